"""Events of the matching service: programs, enrolment, proposals and relationships (public contract)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.contracts.envelope import EventData, OpaqueId
from shared.contracts.subjects import Domain, EventKind, Queue


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    PEER = "peer"  # peer programs: one pool, reciprocal pairs (the relationship still names a mentor_id and mentee_id)


class ProgramModel(StrEnum):
    ONE_TO_ONE = "one_to_one"
    GROUP = "group"  # a mentor leads a group (each mentee still has one relationship with the mentor)
    PEER = "peer"


class EndReason(StrEnum):
    COMPLETED = "completed"
    EARLY_MENTEE_LEFT = "early_mentee_left"
    EARLY_MENTOR_LEFT = "early_mentor_left"
    EARLY_MISMATCH = "early_mismatch"
    EARLY_OTHER = "early_other"


def _kind(entity: str, action: str) -> EventKind:
    return EventKind(Domain.MATCHING, entity, action, 1)


class ProgramCreated(EventData):
    """A district opened a mentoring program."""

    kind: ClassVar[EventKind] = _kind("program", "created")
    program_id: OpaqueId
    model: ProgramModel


class ParticipantEnrolled(EventData):
    """A teacher joined a program as mentor or mentee (``school``: the school's name, for per-school figures)."""

    kind: ClassVar[EventKind] = _kind("participant", "enrolled")
    program_id: OpaqueId
    participant_id: OpaqueId
    role: Role
    enrolled_at: datetime
    school: str | None = Field(default=None, max_length=200)


class TeachingStatus(StrEnum):
    TEACHING = "teaching"
    LEFT_TEACHING = "left_teaching"
    LEFT_DISTRICT = "left_district"
    ON_LEAVE = "on_leave"


class ParticipantStatusChanged(EventData):
    """Whether a participant still teaches in ``term`` (e.g. ``2027-28``): the source of retention figures."""

    kind: ClassVar[EventKind] = _kind("participant", "status_changed")
    program_id: OpaqueId
    participant_id: OpaqueId
    status: TeachingStatus
    term: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$")
    effective_at: datetime


class MatchProposed(EventData):
    """A match run proposed a pair; a coordinator still has to approve it."""

    kind: ClassVar[EventKind] = _kind("match", "proposed")
    program_id: OpaqueId
    run_id: OpaqueId
    proposal_id: OpaqueId
    mentor_id: OpaqueId
    mentee_id: OpaqueId
    score: float = Field(ge=0)


class MatchApproved(EventData):
    """A coordinator approved a proposal."""

    kind: ClassVar[EventKind] = _kind("match", "approved")
    program_id: OpaqueId
    proposal_id: OpaqueId
    relationship_id: OpaqueId
    mentor_id: OpaqueId
    mentee_id: OpaqueId


class RelationshipStarted(EventData):
    """A mentoring relationship began. Public: HR, SIS and LMS subscribe to it."""

    kind: ClassVar[EventKind] = _kind("relationship", "started")
    program_id: OpaqueId
    relationship_id: OpaqueId
    mentor_id: OpaqueId
    mentee_id: OpaqueId
    started_at: datetime


class RelationshipEnded(EventData):
    """A mentoring relationship ended, completed or early. Public."""

    kind: ClassVar[EventKind] = _kind("relationship", "ended")
    program_id: OpaqueId
    relationship_id: OpaqueId
    mentor_id: OpaqueId
    mentee_id: OpaqueId
    ended_at: datetime
    reason: EndReason


class MatchRequested(EventData):
    """Self-directed programs: a mentee asked a mentor; the mentor accepts (relationship starts) or declines."""

    kind: ClassVar[EventKind] = _kind("match", "requested")
    program_id: OpaqueId
    proposal_id: OpaqueId
    mentor_id: OpaqueId
    mentee_id: OpaqueId


class MatchDeclined(EventData):
    """Self-directed programs: the mentor declined a request (the mentee may ask someone else)."""

    kind: ClassVar[EventKind] = _kind("match", "declined")
    program_id: OpaqueId
    proposal_id: OpaqueId
    mentor_id: OpaqueId
    mentee_id: OpaqueId


class InductionFlagged(EventData):
    """A mentee is still unmatched ``days_unmatched`` days after enrolling (the induction timer; default 30)."""

    kind: ClassVar[EventKind] = _kind("induction", "flagged")
    program_id: OpaqueId
    participant_id: OpaqueId
    enrolled_at: datetime
    days_unmatched: int = Field(ge=0)


class MatchRunRequested(EventData):
    """Internal job (work queue, not public): solve a program's match run. Any matching replica may take it."""

    kind: ClassVar[EventKind] = EventKind(Queue.JOBS, "matchrun", "requested", 1)
    program_id: OpaqueId
    run_id: OpaqueId
