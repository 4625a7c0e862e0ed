"""What each event changes in the read model. Pure: no I/O.

Every change is keyed by a natural id, so applying it twice changes nothing. Statuses only move
forward: a change whose status ranks at or below the stored one leaves the status alone, so a late
``meeting.scheduled`` cannot turn a completed meeting back into a scheduled one. Facts that are true
whatever the order (program, district, ids, kind) are written every time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from shared.contracts.envelope import EventData
from shared.contracts.feedback import SurveyIssued, SurveySubmitted
from shared.contracts.matching import (
    InductionFlagged,
    MatchApproved,
    MatchDeclined,
    MatchProposed,
    MatchRequested,
    ParticipantEnrolled,
    ProgramCreated,
    RelationshipEnded,
    RelationshipStarted,
)
from shared.contracts.notification import NotificationFailed, NotificationSent
from shared.contracts.scheduling import (
    InductionHoursShort,
    MeetingCancelled,
    MeetingCompleted,
    MeetingMissed,
    MeetingOverdue,
    MeetingRescheduled,
    MeetingScheduled,
    ReminderDue,
)

# Precedence of each collection's statuses; equal ranks are both final (the first one stays).
STATUS_RANKS: Final[dict[str, dict[str, int]]] = {
    # a self-directed request is a proposal too; declined and approved are both final
    "proposals": {"proposed": 0, "requested": 0, "approved": 1, "declined": 1},
    "relationships": {"active": 0, "ended": 1},
    "meetings": {"scheduled": 0, "completed": 1, "missed": 1, "cancelled": 1},
    "surveys": {"issued": 0, "submitted": 1},
    # A notification that was delivered is delivered, even if a failed attempt is reported late.
    "notifications": {"failed": 0, "sent": 1},
}
COLLECTIONS: Final = ("programs", "participants", *STATUS_RANKS)
PROPOSAL_STATUS: Final[dict[type[EventData], str]] = {
    MatchProposed: "proposed",
    MatchRequested: "requested",
    MatchApproved: "approved",
    MatchDeclined: "declined",
}

Document = dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One upsert of the read model: ``facts`` always, ``status`` (with ``with_status``) only forward."""

    collection: str
    key: str
    facts: Mapping[str, Any]
    status: str | None = None
    with_status: Mapping[str, Any] = field(default_factory=dict)

    def lower_statuses(self) -> tuple[str, ...]:
        """Statuses this change may replace; empty for an initial status (written on insert only)."""
        if self.status is None:
            return ()
        ranks = STATUS_RANKS[self.collection]
        return tuple(s for s, rank in ranks.items() if rank < ranks[self.status])


def project(district: str, data: EventData) -> list[Change]:
    """The changes one event makes; the program is recorded by every event that names it."""
    change = _change(district, data)
    program_id = change.facts["program_id"]
    if change.collection == "programs":
        return [change]
    return [Change("programs", program_id, {"program_id": program_id, "district": district}), change]


def _change(district: str, data: EventData) -> Change:
    match data:
        case ProgramCreated():
            return Change("programs", data.program_id, {**_base(data.program_id, district), "model": data.model.value})
        case ParticipantEnrolled():
            facts = {**_base(data.program_id, district), "participant_id": data.participant_id, "role": data.role.value}
            return Change("participants", f"{data.program_id}:{data.participant_id}", facts)
        case MatchProposed() | MatchRequested() | MatchApproved() | MatchDeclined():
            facts = {**_base(data.program_id, district), "mentor_id": data.mentor_id, "mentee_id": data.mentee_id}
            return Change("proposals", data.proposal_id, facts, PROPOSAL_STATUS[type(data)])
        case InductionFlagged():
            facts = {**_base(data.program_id, district), "participant_id": data.participant_id, "induction_flagged": True}
            return Change("participants", f"{data.program_id}:{data.participant_id}", facts)
        case RelationshipStarted() | RelationshipEnded():
            facts = {
                **_base(data.program_id, district),
                "mentor_id": data.mentor_id,
                "mentee_id": data.mentee_id,
                "mentee_key": f"{data.program_id}:{data.mentee_id}",
            }
            if isinstance(data, RelationshipStarted):
                return Change("relationships", data.relationship_id, facts, "active")
            return Change("relationships", data.relationship_id, facts, "ended", {"end_reason": data.reason.value})
        case MeetingScheduled() | MeetingCompleted() | MeetingMissed():
            facts = {**_base(data.program_id, district), "relationship_id": data.relationship_id, "kind": data.meeting_kind.value}
            if isinstance(data, MeetingScheduled):
                return Change("meetings", data.meeting_id, {**facts, "planned_minutes": data.duration_minutes}, "scheduled")
            if isinstance(data, MeetingCompleted):
                return Change("meetings", data.meeting_id, facts, "completed", {"minutes": data.duration_minutes})
            return Change("meetings", data.meeting_id, facts, "missed", {"minutes": 0})
        case MeetingRescheduled() | MeetingCancelled() | MeetingOverdue() | ReminderDue():
            facts = {**_base(data.program_id, district), "relationship_id": data.relationship_id, "kind": data.meeting_kind.value}
            if isinstance(data, MeetingCancelled):
                return Change("meetings", data.meeting_id, facts, "cancelled", {"minutes": 0})
            if isinstance(data, MeetingRescheduled):
                return Change("meetings", data.meeting_id, {**facts, "reschedules": data.sequence})
            if isinstance(data, MeetingOverdue):
                return Change("meetings", data.meeting_id, {**facts, "overdue": True})
            return Change("meetings", data.meeting_id, {**facts, "reminded": True})
        case InductionHoursShort():
            facts = {**_base(data.program_id, district), "induction_hours_short": True}
            return Change("relationships", data.relationship_id, facts)
        case SurveyIssued() | SurveySubmitted():
            facts = {**_base(data.program_id, district), "relationship_id": data.relationship_id, "template": data.template.value}
            if isinstance(data, SurveyIssued):
                return Change("surveys", data.survey_id, facts, "issued")
            return Change("surveys", data.survey_id, facts, "submitted", {"rating": data.rating})
        case NotificationSent() | NotificationFailed():
            facts = {**_base(data.program_id, district), "channel": data.channel.value, "template": data.template}
            status = "sent" if isinstance(data, NotificationSent) else "failed"
            return Change("notifications", data.notification_id, facts, status)
    raise TypeError(f"no projection for {type(data).__name__}")


def _base(program_id: str, district: str) -> Document:
    return {"program_id": program_id, "district": district}


def apply(current: Mapping[str, Any] | None, change: Change) -> Document:
    """The document after ``change`` (the semantics the repository implements with upserts)."""
    doc: Document = {"_id": change.key, **(current or {}), **change.facts}
    if change.status is None:
        return doc
    ranks = STATUS_RANKS[change.collection]
    if current is None or ranks[change.status] > ranks[current["status"]]:
        doc.update(status=change.status, **change.with_status)
    return doc
