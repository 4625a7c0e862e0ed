"""Events of the scheduling service: meetings of a relationship, their reminders, and logged mentoring time.

Times are UTC instants; ``time_zone`` (an IANA name, the district's) says how people read them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints

from shared.contracts.envelope import EventData, OpaqueId
from shared.contracts.subjects import Domain, EventKind


class MeetingKind(StrEnum):
    CHECK_IN = "check_in"
    PRE_CONFERENCE = "pre_conference"
    OBSERVATION = "observation"
    DEBRIEF = "debrief"
    REFLECTION = "reflection"
    GROUP_SESSION = "group_session"  # group programs: the mentor with the whole group


def _kind(action: str) -> EventKind:
    return EventKind(Domain.SCHEDULING, "meeting", action, 1)


TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")]


class MeetingScheduled(EventData):
    """A meeting was put on the calendar (the relationship's id names the group's first relationship for a group session)."""

    kind: ClassVar[EventKind] = _kind("scheduled")
    program_id: OpaqueId
    relationship_id: OpaqueId
    meeting_id: OpaqueId
    meeting_kind: MeetingKind
    participant_ids: list[OpaqueId] = Field(min_length=1)
    starts_at: datetime
    duration_minutes: int = Field(gt=0, le=480)
    time_zone: TimeZone = "UTC"


class MeetingRescheduled(EventData):
    """A participant moved a meeting; ``sequence`` counts the changes (the iCalendar SEQUENCE)."""

    kind: ClassVar[EventKind] = _kind("rescheduled")
    program_id: OpaqueId
    relationship_id: OpaqueId
    meeting_id: OpaqueId
    meeting_kind: MeetingKind
    participant_ids: list[OpaqueId] = Field(min_length=1)
    starts_at: datetime
    previous_starts_at: datetime
    duration_minutes: int = Field(gt=0, le=480)
    time_zone: TimeZone = "UTC"
    sequence: int = Field(ge=1)
    rescheduled_by: OpaqueId


class MeetingCancelled(EventData):
    """A meeting will not take place; ``cancelled_by`` is None when the platform cancelled it (relationship ended)."""

    kind: ClassVar[EventKind] = _kind("cancelled")
    program_id: OpaqueId
    relationship_id: OpaqueId
    meeting_id: OpaqueId
    meeting_kind: MeetingKind
    participant_ids: list[OpaqueId] = Field(min_length=1)
    starts_at: datetime
    time_zone: TimeZone = "UTC"
    cancelled_by: OpaqueId | None = None


class MeetingOverdue(EventData):
    """Nobody marked the meeting completed or missed within the program's grace period after its end."""

    kind: ClassVar[EventKind] = _kind("overdue")
    program_id: OpaqueId
    relationship_id: OpaqueId
    meeting_id: OpaqueId
    meeting_kind: MeetingKind
    participant_ids: list[OpaqueId] = Field(min_length=1)
    ends_at: datetime


class ReminderDue(EventData):
    """Remind the participants of a meeting ``offset_minutes`` before it; ``late`` when it fell due while the service was down."""

    kind: ClassVar[EventKind] = EventKind(Domain.SCHEDULING, "reminder", "due", 1)
    program_id: OpaqueId
    relationship_id: OpaqueId
    meeting_id: OpaqueId
    reminder_id: OpaqueId
    meeting_kind: MeetingKind
    participant_ids: list[OpaqueId] = Field(min_length=1)
    starts_at: datetime
    duration_minutes: int = Field(gt=0, le=480)
    time_zone: TimeZone = "UTC"
    offset_minutes: int = Field(gt=0)
    late: bool = False


class InductionHoursShort(EventData):
    """A mentee logged less mentoring than the program's minimum over the last ``window_days`` days."""

    kind: ClassVar[EventKind] = EventKind(Domain.SCHEDULING, "induction_hours", "short", 1)
    program_id: OpaqueId
    relationship_id: OpaqueId
    participant_id: OpaqueId
    logged_minutes: int = Field(ge=0)
    required_minutes: int = Field(gt=0)
    window_days: int = Field(gt=0)
    window_end: datetime


class MeetingCompleted(EventData):
    kind: ClassVar[EventKind] = _kind("completed")
    program_id: OpaqueId
    relationship_id: OpaqueId
    meeting_id: OpaqueId
    meeting_kind: MeetingKind
    duration_minutes: int = Field(gt=0, le=480)


class MeetingMissed(EventData):
    kind: ClassVar[EventKind] = _kind("missed")
    program_id: OpaqueId
    relationship_id: OpaqueId
    meeting_id: OpaqueId
    meeting_kind: MeetingKind
    absent_ids: list[OpaqueId] = Field(min_length=1)
