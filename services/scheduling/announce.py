"""The events scheduling publishes about a meeting, each under an id derived from its cause.

Reasons given for a reschedule or a cancellation stay in scheduling: they are never put on the bus.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.contracts.envelope import CloudEvent, derived_id, make_event
from shared.contracts.scheduling import (
    MeetingCancelled,
    MeetingKind,
    MeetingOverdue,
    MeetingRescheduled,
    MeetingScheduled,
)
from shared.storage.mongo import Document


def refs(meeting: Document) -> dict[str, Any]:
    """The fields every meeting event carries."""
    return {
        "program_id": meeting["program_id"],
        "relationship_id": meeting["relationship_id"],
        "meeting_id": meeting["_id"],
        "meeting_kind": MeetingKind(meeting["kind"]),
    }


def ends_at(meeting: Document) -> datetime:
    return meeting["starts_at"] + timedelta(minutes=meeting["duration_minutes"])  # type: ignore[no-any-return]


def _envelope(data: Any, meeting: Document, *cause: str) -> CloudEvent[Any]:
    return make_event(data, meeting["district"], meeting["_id"], derived_id(*cause))


def scheduled(meeting: Document) -> CloudEvent[Any]:
    data = MeetingScheduled(
        **refs(meeting),
        participant_ids=meeting["participant_ids"],
        starts_at=meeting["starts_at"],
        duration_minutes=meeting["duration_minutes"],
        time_zone=meeting.get("time_zone", "UTC"),
    )
    return _envelope(data, meeting, "meeting.scheduled", meeting["_id"])


def rescheduled(meeting: Document, by: str) -> CloudEvent[Any]:
    data = MeetingRescheduled(
        **refs(meeting),
        participant_ids=meeting["participant_ids"],
        starts_at=meeting["starts_at"],
        previous_starts_at=meeting["previous_starts_at"],
        duration_minutes=meeting["duration_minutes"],
        time_zone=meeting.get("time_zone", "UTC"),
        sequence=meeting["sequence"],
        rescheduled_by=by,
    )
    return _envelope(data, meeting, "meeting.rescheduled", meeting["_id"], str(meeting["sequence"]))


def cancelled(meeting: Document) -> CloudEvent[Any]:
    data = MeetingCancelled(
        **refs(meeting),
        participant_ids=meeting["participant_ids"],
        starts_at=meeting["starts_at"],
        time_zone=meeting.get("time_zone", "UTC"),
        cancelled_by=meeting.get("cancelled_by"),
    )
    return _envelope(data, meeting, "meeting.cancelled", meeting["_id"])


def overdue(meeting: Document) -> CloudEvent[Any]:
    data = MeetingOverdue(**refs(meeting), participant_ids=meeting["participant_ids"], ends_at=ends_at(meeting))
    return _envelope(data, meeting, "meeting.overdue", meeting["_id"], str(meeting.get("sequence", 0)))
