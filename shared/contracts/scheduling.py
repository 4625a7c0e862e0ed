"""Events of the scheduling service: meetings of a relationship."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.contracts.envelope import EventData, OpaqueId
from shared.contracts.subjects import Domain, EventKind


class MeetingKind(StrEnum):
    CHECK_IN = "check_in"
    PRE_CONFERENCE = "pre_conference"
    OBSERVATION = "observation"
    DEBRIEF = "debrief"


def _kind(action: str) -> EventKind:
    return EventKind(Domain.SCHEDULING, "meeting", action, 1)


class MeetingScheduled(EventData):
    kind: ClassVar[EventKind] = _kind("scheduled")
    program_id: OpaqueId
    relationship_id: OpaqueId
    meeting_id: OpaqueId
    meeting_kind: MeetingKind
    participant_ids: list[OpaqueId] = Field(min_length=1)
    starts_at: datetime
    duration_minutes: int = Field(gt=0, le=480)


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
