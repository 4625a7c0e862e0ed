"""Templates render names, times and durations; HTML escapes what a roster could smuggle in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.notification.rendering import (
    Renderer,
    compose,
    format_day,
    format_duration,
    format_when,
    join_names,
)

STARTS = datetime(2025, 10, 14, 15, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def test_relationship_started_names_the_partner_and_roles(renderer):
    out = renderer.render(
        "relationship_started",
        "en",
        {"name": "Ana Mentor", "partners": ["Cleo New"], "role": "mentor", "partner_role": "mentee", "started_at": STARTS},
    )
    assert out.subject == "Your mentoring partnership with Cleo New has started"
    for body in (out.text, out.html):
        assert "Ana Mentor" in body
        assert "Cleo New" in body
        assert "Tuesday 14 October 2025" in body
    assert "your mentee" in out.text and "You are the mentor" in out.text


def test_relationship_started_without_partner_contact_says_the_role(renderer):
    context = {"name": "Ana", "partners": [], "role": "mentee", "partner_role": "mentor", "started_at": STARTS}
    out = renderer.render("relationship_started", "en", context)
    assert "paired with your new mentor" in out.text


def test_meeting_scheduled_shows_kind_utc_time_duration_and_partner(renderer):
    berlin = STARTS.astimezone(timezone(timedelta(hours=2)))  # same instant, other offset: shown in UTC
    context = {
        "name": "Cleo New",
        "partners": ["Ana Mentor"],
        "meeting_kind": "pre_conference",
        "starts_at": berlin,
        "duration_minutes": 90,
    }
    out = renderer.render("meeting_scheduled", "en", context)
    assert out.subject == "Pre-conference on Tuesday 14 October 2025, 15:30 UTC"
    for body in (out.text, out.html):
        assert "pre-conference" in body
        assert "with Ana Mentor" in body.replace("<strong>", "").replace("</strong>", "")
        assert "Tuesday 14 October 2025, 15:30 UTC" in body
        assert "1 hour 30 minutes" in body


def test_survey_issued_shows_due_date(renderer):
    context = {
        "name": "Cleo New",
        "partners": [],
        "survey": "match_quality_30d",
        "due_at": datetime(2025, 11, 14, 23, 59, tzinfo=UTC),
    }
    out = renderer.render("survey_issued", "en", context)
    assert out.subject == "Please answer the 30-day mentoring check-in survey by Friday 14 November 2025"
    assert "Please answer it by Friday 14 November 2025." in out.text
    assert "Hello Cleo New" in out.html


EVIL = "<script>alert(1)</script>"
CONTEXTS = {
    "relationship_started": {"role": "mentor", "partner_role": "mentee", "started_at": STARTS},
    "meeting_scheduled": {"meeting_kind": "check_in", "starts_at": STARTS, "duration_minutes": 30},
    "survey_issued": {"survey": "match_quality_30d", "due_at": STARTS},
}


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_html_escapes_markup_in_names_but_text_keeps_it(renderer, template):
    out = renderer.render(template, "en", {"name": EVIL, "partners": [EVIL], **CONTEXTS[template]})
    assert "<script>" not in out.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out.html
    assert EVIL in out.text


def test_unknown_language_falls_back_to_english(renderer):
    assert renderer.language("fr") == "en"  # until templates/fr exists
    assert renderer.language("../en") == "en"
    assert renderer.language(None) == "en"


def test_compose_builds_multipart_alternative_on_one_line_subject(renderer):
    context = {
        "name": "Ana",
        "partners": ["Bob\nBcc: x@evil.example"],
        "role": "mentor",
        "partner_role": "mentee",
        "started_at": STARTS,
    }
    rendered = renderer.render("relationship_started", "en", context)
    msg = compose(
        rendered,
        sender="Mentoring Program <no-reply@mentoring.local>",
        to_address="ana@example.org",
        message_key="d-1",
        date=STARTS,
    )
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["To"].addresses[0].addr_spec == "ana@example.org"
    assert msg["Message-ID"] == "<d-1@mentoring.local>"
    assert "\n" not in msg["Subject"]
    assert msg["Bcc"] is None


@pytest.mark.parametrize(
    ("minutes", "text"), [(45, "45 minutes"), (60, "1 hour"), (90, "1 hour 30 minutes"), (1, "1 minute"), (120, "2 hours")]
)
def test_format_duration(minutes, text):
    assert format_duration(minutes) == text


def test_formatting_of_times_and_names():
    naive = datetime(2025, 1, 5, 9, 5)
    assert format_when(naive) == "Sunday 5 January 2025, 09:05 UTC"
    assert format_day(naive) == "Sunday 5 January 2025"
    assert join_names(["A"]) == "A"
    assert join_names(["A", "B", "C"]) == "A, B and C"
