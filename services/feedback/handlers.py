"""Event handlers: validate the envelope, call one use case. No ``from __future__``: FastStream reads the hints."""

from typing import Annotated

from faststream import Context

from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import ParticipantEnrolled, RelationshipEnded, RelationshipStarted
from shared.contracts.scheduling import MeetingCompleted, MeetingMissed, MeetingRescheduled, MeetingScheduled

from .schedule import Schedule

Plan = Annotated[Schedule, Context("schedule")]


async def on_relationship_started(event: CloudEvent[RelationshipStarted], schedule: Plan) -> None:
    """Remember the partners; issue the 30-day match-quality survey to the mentor and to the mentee."""
    await schedule.relationship_started(event.data, event.district)


async def on_relationship_ended(event: CloudEvent[RelationshipEnded], schedule: Plan) -> None:
    """Issue the closure survey to both partners."""
    await schedule.relationship_ended(event.data, event.district)


async def on_participant_enrolled(event: CloudEvent[ParticipantEnrolled], schedule: Plan) -> None:
    """Remember who takes part in a program (program-wide anonymous surveys reach them)."""
    await schedule.participant_enrolled(event.data, event.district)


async def on_meeting_scheduled(event: CloudEvent[MeetingScheduled], schedule: Plan) -> None:
    """Remember a meeting's participants and start."""
    await schedule.meeting_scheduled(event.data, event.district)


async def on_meeting_rescheduled(event: CloudEvent[MeetingRescheduled], schedule: Plan) -> None:
    """Remember a meeting's new start (missed meetings are ordered by it)."""
    await schedule.meeting_scheduled(event.data, event.district)


async def on_meeting_completed(event: CloudEvent[MeetingCompleted], schedule: Plan) -> None:
    """Issue the meeting pulse to its participants, due 7 days after the event."""
    await schedule.meeting_completed(event.data, event.district, event.time)


async def on_meeting_missed(event: CloudEvent[MeetingMissed], schedule: Plan) -> None:
    """Warn the coordinator after two missed meetings in a row."""
    await schedule.meeting_missed(event.data, event.district)
