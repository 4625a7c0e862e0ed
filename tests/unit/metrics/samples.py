"""Sample events of one program and the in-memory twin of the read model, shared by the metrics tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.metrics.domain import Meta, project
from services.metrics.projector import fold
from shared.contracts.envelope import EventData
from shared.contracts.feedback import SurveyIssued, SurveySubmitted, SurveyTemplate
from shared.contracts.matching import (
    EndReason,
    InductionFlagged,
    MatchApproved,
    MatchDeclined,
    MatchProposed,
    MatchRequested,
    RelationshipEnded,
    RelationshipStarted,
)
from shared.contracts.notification import Channel, NotificationFailed, NotificationSent
from shared.contracts.scheduling import (
    InductionHoursShort,
    MeetingCancelled,
    MeetingCompleted,
    MeetingKind,
    MeetingMissed,
    MeetingOverdue,
    MeetingRescheduled,
    MeetingScheduled,
    ReminderDue,
)

NOW = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
P, D = "prog1", "D1"
REL = {"program_id": P, "relationship_id": "r1", "mentor_id": "m1", "mentee_id": "e1"}
MEETING = {"program_id": P, "relationship_id": "r1", "meeting_id": "mt1", "meeting_kind": MeetingKind.CHECK_IN}
SURVEY = {"program_id": P, "relationship_id": "r1", "survey_id": "s1", "template": SurveyTemplate.MATCH_QUALITY_30D}
NOTE = {
    "program_id": P,
    "notification_id": "n1",
    "recipient_id": "e1",
    "channel": Channel.EMAIL,
    "template": "relationship_started",
    "cause_event_id": "c1",
}

SCHEDULED = MeetingScheduled(**MEETING, participant_ids=["m1", "e1"], starts_at=NOW, duration_minutes=45)
COMPLETED = MeetingCompleted(**MEETING, duration_minutes=60)
MISSED = MeetingMissed(**MEETING, absent_ids=["e1"])
STARTED = RelationshipStarted(**REL, started_at=NOW)
ENDED = RelationshipEnded(**REL, ended_at=NOW, reason=EndReason.EARLY_MISMATCH)
ISSUED = SurveyIssued(**SURVEY, respondent_id="e1", due_at=NOW)
SUBMITTED = SurveySubmitted(**SURVEY, rating=4)
SENT = NotificationSent(**NOTE)
FAILED = NotificationFailed(**NOTE, reason="mailbox full")
PROPOSED = MatchProposed(program_id=P, run_id="run1", proposal_id="pr1", mentor_id="m1", mentee_id="e1", score=3)
APPROVED = MatchApproved(program_id=P, proposal_id="pr1", relationship_id="r1", mentor_id="m1", mentee_id="e1")
REQUESTED = MatchRequested(program_id=P, proposal_id="pr2", mentor_id="m1", mentee_id="e2")
DECLINED = MatchDeclined(program_id=P, proposal_id="pr2", mentor_id="m1", mentee_id="e2")
FLAGGED = InductionFlagged(program_id=P, participant_id="e2", enrolled_at=NOW, days_unmatched=31)
PEOPLE = {"participant_ids": ["m1", "e1"]}
RESCHEDULED = MeetingRescheduled(
    **MEETING, **PEOPLE, starts_at=NOW, previous_starts_at=NOW, duration_minutes=60, sequence=1, rescheduled_by="m1"
)
CANCELLED = MeetingCancelled(**MEETING, **PEOPLE, starts_at=NOW, cancelled_by="e1")
OVERDUE = MeetingOverdue(**MEETING, **PEOPLE, ends_at=NOW)
REMINDER = ReminderDue(**MEETING, **PEOPLE, reminder_id="rm1", starts_at=NOW, duration_minutes=60, offset_minutes=60)
SHORT = InductionHoursShort(
    program_id=P,
    relationship_id="r1",
    participant_id="e1",
    logged_minutes=30,
    required_minutes=240,
    window_days=28,
    window_end=NOW,
)

Store = dict[tuple[str, str], dict[str, Any]]


def replay(*events: EventData, store: Store | None = None, at: datetime = NOW) -> Store:
    """Each event's changes folded, one event at a time, into an in-memory store (as the repository stores them)."""
    store = {} if store is None else store
    for i, data in enumerate(events):
        for change in project(Meta(D, at.timestamp(), f"e{i}"), data):
            key = (change.collection, change.key)
            store[key] = fold(store.get(key), [change], change.collection)
    return store
