"""Who hears about which event (services/notification/kinds.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.notification.kinds import ESSENTIAL, NEVER_DIGESTED, TEMPLATES, Kind, plan, time_zone_of
from shared.contracts.feedback import SurveyIssued, SurveyReminderDue, SurveyTemplate
from shared.contracts.matching import (
    EndReason,
    MatchApproved,
    MatchDeclined,
    MatchRequested,
    RelationshipEnded,
    RelationshipStarted,
)
from shared.contracts.scheduling import (
    InductionHoursShort,
    MeetingCancelled,
    MeetingKind,
    MeetingOverdue,
    MeetingRescheduled,
    MeetingScheduled,
    ReminderDue,
)

T = datetime(2025, 11, 3, 13, 0, tzinfo=UTC)
MEETING = {"program_id": "p", "relationship_id": "r", "meeting_id": "m", "meeting_kind": MeetingKind.DEBRIEF}
PEOPLE = {"participant_ids": ["a", "b", "a"]}


def test_relationship_events_tell_both_partners_about_each_other() -> None:
    started = plan(RelationshipStarted(program_id="p", relationship_id="r", mentor_id="a", mentee_id="b", started_at=T))
    assert [(n.recipient_id, n.partner_ids, n.params["role"]) for n in started] == [
        ("a", ("b",), "mentor"),
        ("b", ("a",), "mentee"),
    ]
    assert {n.kind for n in started} == {Kind.RELATIONSHIP_STARTED}


@pytest.mark.parametrize(
    ("reason", "template"),
    [(EndReason.COMPLETED, "relationship_completed"), (EndReason.EARLY_MISMATCH, "relationship_ended")],
)
def test_a_completed_relationship_is_celebrated_an_early_end_is_neutral(reason: EndReason, template: str) -> None:
    ended = RelationshipEnded(program_id="p", relationship_id="r", mentor_id="a", mentee_id="b", ended_at=T, reason=reason)
    notices = plan(ended)
    assert {(n.kind, n.template) for n in notices} == {(Kind.RELATIONSHIP_ENDED, template)}
    assert len(notices) == 2


def test_meeting_events_reach_every_participant_once_naming_the_others() -> None:
    scheduled = plan(MeetingScheduled(**MEETING, **PEOPLE, starts_at=T, duration_minutes=30, time_zone="Europe/Paris"))
    assert [(n.recipient_id, n.partner_ids) for n in scheduled] == [("a", ("b",)), ("b", ("a",))]
    assert scheduled[0].params["starts_at"] == T.isoformat() and scheduled[0].params["meeting_kind"] == "debrief"
    moved = plan(
        MeetingRescheduled(
            **MEETING, **PEOPLE, starts_at=T, previous_starts_at=T, duration_minutes=30, sequence=2, rescheduled_by="b"
        )
    )
    assert {n.actor_id for n in moved} == {"b"} and {n.kind for n in moved} == {Kind.MEETING_RESCHEDULED}
    by_platform = plan(MeetingCancelled(**MEETING, **PEOPLE, starts_at=T))
    assert all(n.params["platform"] and n.actor_id is None for n in by_platform)
    overdue = plan(MeetingOverdue(**MEETING, **PEOPLE, ends_at=T))
    assert {n.params["ends_at"] for n in overdue} == {T.isoformat()} and len(overdue) == 2


def test_a_late_reminder_keeps_its_flag() -> None:
    notices = plan(
        ReminderDue(**MEETING, **PEOPLE, reminder_id="x", starts_at=T, duration_minutes=60, offset_minutes=60, late=True)
    )
    assert {(n.kind, n.params["late"], n.params["offset_minutes"]) for n in notices} == {(Kind.REMINDER_DUE, True, 60)}


def test_single_recipient_kinds() -> None:
    short = InductionHoursShort(
        program_id="p",
        relationship_id="r",
        participant_id="b",
        logged_minutes=30,
        required_minutes=240,
        window_days=28,
        window_end=T,
    )
    survey = SurveyIssued(
        program_id="p", relationship_id="r", survey_id="s", respondent_id="b", template=SurveyTemplate.MATCH_QUALITY_30D, due_at=T
    )
    reminder = SurveyReminderDue(program_id="p", survey_id="s", respondent_id="b", template=SurveyTemplate.CLOSURE, due_at=T)
    requested = MatchRequested(program_id="p", proposal_id="q", mentor_id="a", mentee_id="b")
    declined = MatchDeclined(program_id="p", proposal_id="q", mentor_id="a", mentee_id="b")
    assert [(n.recipient_id, n.kind) for d in (short, survey, reminder, requested, declined) for n in plan(d)] == [
        ("b", Kind.INDUCTION_HOURS_SHORT),
        ("b", Kind.SURVEY_ISSUED),
        ("b", Kind.SURVEY_REMINDER_DUE),
        ("a", Kind.MATCH_REQUESTED),
        ("b", Kind.MATCH_DECLINED),
    ]
    assert plan(requested)[0].partner_ids == ("b",) and plan(declined)[0].partner_ids == ("a",)


def test_params_are_json_and_name_no_one() -> None:
    notices = plan(RelationshipStarted(program_id="p", relationship_id="r", mentor_id="a", mentee_id="b", started_at=T))
    assert json.loads(json.dumps(notices[0].params)) == notices[0].params


def test_essential_kinds_and_templates() -> None:
    assert {k.value for k in ESSENTIAL} == {
        "relationship_started",
        "relationship_ended",
        "meeting_cancelled",
        "meeting_rescheduled",
    }
    assert Kind.REMINDER_DUE in NEVER_DIGESTED and Kind.REMINDER_DUE not in ESSENTIAL
    assert set(TEMPLATES) == {k.value for k in Kind} | {"relationship_completed"}


def test_unplanned_events_are_refused_and_zones_read() -> None:
    with pytest.raises(TypeError):
        plan(MatchApproved(program_id="p", proposal_id="q", relationship_id="r", mentor_id="a", mentee_id="b"))
    assert time_zone_of(MeetingCancelled(**MEETING, **PEOPLE, starts_at=T, time_zone="America/Denver")) == "America/Denver"
    assert time_zone_of(MatchDeclined(program_id="p", proposal_id="q", mentor_id="a", mentee_id="b")) is None
