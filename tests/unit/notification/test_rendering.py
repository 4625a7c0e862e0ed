"""Every template renders in every language (services/notification/templates), dates follow the locale and zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from services.notification.kinds import TEMPLATES, plan
from services.notification.rendering import Renderer, compose, format_day, format_duration, format_when
from shared.contracts.feedback import SurveyIssued, SurveyReminderDue, SurveyTemplate
from shared.contracts.matching import EndReason, MatchDeclined, MatchRequested, RelationshipEnded, RelationshipStarted
from shared.contracts.scheduling import (
    InductionHoursShort,
    MeetingCancelled,
    MeetingKind,
    MeetingOverdue,
    MeetingRescheduled,
    MeetingScheduled,
    ReminderDue,
)

T = datetime(2025, 11, 3, 22, 30, tzinfo=UTC)
LANGUAGES = ("en", "es", "fr")
NAMES = {"a": "Zoë Quill", "b": "Xavi Ruiz"}  # never English words
MEETING = {"program_id": "p", "relationship_id": "r", "meeting_id": "m", "participant_ids": ["a", "b"]}
EVENTS = [
    RelationshipStarted(program_id="p", relationship_id="r", mentor_id="a", mentee_id="b", started_at=T),
    RelationshipEnded(program_id="p", relationship_id="r", mentor_id="a", mentee_id="b", ended_at=T, reason=EndReason.COMPLETED),
    RelationshipEnded(
        program_id="p", relationship_id="r", mentor_id="a", mentee_id="b", ended_at=T, reason=EndReason.EARLY_OTHER
    ),
    MeetingScheduled(**MEETING, meeting_kind=MeetingKind.CHECK_IN, starts_at=T, duration_minutes=90, time_zone="Europe/Madrid"),
    MeetingRescheduled(
        **MEETING,
        meeting_kind=MeetingKind.OBSERVATION,
        starts_at=T,
        previous_starts_at=T,
        duration_minutes=45,
        sequence=1,
        rescheduled_by="b",
    ),
    MeetingCancelled(**MEETING, meeting_kind=MeetingKind.DEBRIEF, starts_at=T),
    ReminderDue(
        **MEETING,
        meeting_kind=MeetingKind.PRE_CONFERENCE,
        reminder_id="x",
        starts_at=T,
        duration_minutes=60,
        offset_minutes=60,
        late=True,
    ),
    MeetingOverdue(**MEETING, meeting_kind=MeetingKind.REFLECTION, ends_at=T),
    InductionHoursShort(
        program_id="p",
        relationship_id="r",
        participant_id="b",
        logged_minutes=0,
        required_minutes=240,
        window_days=28,
        window_end=T,
    ),
    SurveyIssued(
        program_id="p", relationship_id="r", survey_id="s", respondent_id="b", template=SurveyTemplate.MATCH_QUALITY_30D, due_at=T
    ),
    SurveyReminderDue(program_id="p", survey_id="s", respondent_id="b", template=SurveyTemplate.MEETING_PULSE, due_at=T),
    MatchRequested(program_id="p", proposal_id="q", mentor_id="a", mentee_id="b"),
    MatchDeclined(program_id="p", proposal_id="q", mentor_id="a", mentee_id="b"),
]
# Words that give away an English sentence; none is also a Spanish or French word.
ENGLISH = re.compile(
    r"\b(the|your|you|with|and|been|please|meeting|hello|team|will|started|scheduled|reminder|summary|has|was|is|on|at|by)\b",
    re.IGNORECASE,
)
FR_ALLOWED_ON = ("on",)  # "on" is also French ("on" = one); only English checks it


def contexts() -> list[tuple[str, dict[str, object]]]:
    """(template, context) for one notice of every event, as the channels build them."""
    found = []
    for event in EVENTS:
        notice = plan(event)[-1]
        found.append(
            (
                notice.template,
                {
                    **notice.params,
                    "name": NAMES.get(notice.recipient_id),
                    "partners": [NAMES[p] for p in notice.partner_ids],
                    "actor": NAMES.get(notice.actor_id or "") if notice.actor_id != notice.recipient_id else None,
                    "time_zone": getattr(event, "time_zone", "America/Los_Angeles"),
                },
            )
        )
    return found


def test_the_sample_covers_every_template() -> None:
    assert {template for template, _ in contexts()} == set(TEMPLATES)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("template", "context"), contexts(), ids=[t for t, _ in contexts()])
def test_every_template_renders_in_every_language(lang: str, template: str, context: dict[str, object]) -> None:
    rendered = Renderer().render(template, lang, context)
    assert rendered.subject and "\n" not in rendered.subject and rendered.body
    assert rendered.body in rendered.text and f'<html lang="{lang}">' in rendered.html
    assert "{{" not in rendered.text + rendered.html and "  " not in rendered.subject
    if lang != "en":
        stripped = rendered.subject + "\n" + rendered.text
        for name in NAMES.values():
            stripped = stripped.replace(name, "")
        words = {w.lower() for w in ENGLISH.findall(stripped)} - (set(FR_ALLOWED_ON) if lang == "fr" else set())
        assert not words, f"English left in {lang}/{template}: {words}\n{stripped}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_digest_lists_every_message(lang: str) -> None:
    rendered = Renderer().digest([("First subject", "first body"), ("Second subject", "second body")], lang, "Zoë Quill")
    assert "2" in rendered.subject and all(s in rendered.text for s in ("First subject", "second body", "Zoë Quill"))


def test_names_are_escaped_in_html_only() -> None:
    context = dict(contexts()[0][1], partners=["<b>Eve</b> & Co"])
    rendered = Renderer().render("relationship_started", "en", context)
    assert "<b>Eve</b> & Co" in rendered.text and "&lt;b&gt;Eve&lt;/b&gt; &amp; Co" in rendered.html


def test_unknown_languages_fall_back_to_english() -> None:
    renderer = Renderer()
    assert renderer.language("de") == renderer.language(None) == renderer.language("../en") == "en"
    assert renderer.language("es") == "es"


def test_dates_follow_the_locale_and_the_district_zone() -> None:
    assert format_when(T, "en", "America/Los_Angeles") == "Monday, November 3, 2025, 2:30 PM (Pacific Standard Time)"
    assert format_when(T, "es", "Europe/Madrid") == "lunes, 3 de noviembre de 2025, 23:30 (hora estándar de Europa central)"
    assert format_when(T, "fr", "Europe/Paris") == "lundi 3 novembre 2025, 23:30 (heure normale d’Europe centrale)"
    assert format_day(T, "es", "Asia/Tokyo") == "martes, 4 de noviembre de 2025"  # already Tuesday in Tokyo
    assert format_when(T.isoformat(), "en", "Nowhere/Unknown").endswith("(Coordinated Universal Time)")
    assert [format_duration(m, "fr") for m in (45, 60, 90)] == ["45 minutes", "1 heure", "1 heure et 30 minutes"]


def test_the_message_id_derives_from_the_key() -> None:
    template, context = contexts()[3]
    rendered = Renderer().render(template, "en", context)
    mail = compose(rendered, sender="Program <no-reply@district.example>", to_address="x@example.org", message_key="k1", date=T)
    assert mail["Message-ID"] == "<k1@district.example>" and mail.get_content_type() == "multipart/alternative"


def test_a_name_cannot_inject_a_header() -> None:
    context = dict(contexts()[0][1], partners=["Bob\nBcc: x@evil.example"])
    rendered = Renderer().render("relationship_started", "en", context)
    mail = compose(rendered, sender="Program <no-reply@mentoring.local>", to_address="ana@example.org", message_key="d", date=T)
    assert "\n" not in mail["Subject"] and mail["Bcc"] is None
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]


def test_a_partner_without_a_contact_is_named_by_role() -> None:
    context = dict(contexts()[0][1], partners=[])
    assert "paired with your new mentor" in Renderer().render("relationship_started", "en", context).body
