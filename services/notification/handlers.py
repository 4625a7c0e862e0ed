"""Event handlers: FastStream validates the envelope from the type; each records the deliveries it causes.

Who hears what is in ``kinds``. A handler only records (and tries what is due now); a delivery that fails is
retried by the dispatcher, not by redelivering the event, so the event is acknowledged once recorded.
"""

from __future__ import annotations

from typing import Annotated

from faststream import Context

from shared.contracts.envelope import CloudEvent
from shared.contracts.feedback import SurveyIssued, SurveyReminderDue
from shared.contracts.matching import MatchDeclined, MatchRequested, RelationshipEnded, RelationshipStarted
from shared.contracts.scheduling import (
    InductionHoursShort,
    MeetingCancelled,
    MeetingOverdue,
    MeetingRescheduled,
    MeetingScheduled,
    ReminderDue,
)

from .workflow import Notifications

Service = Annotated[Notifications, Context("notifications")]


async def on_relationship_started(event: CloudEvent[RelationshipStarted], svc: Service) -> None:
    """Tell mentor and mentee who their partner is."""
    await svc.record(event)


async def on_relationship_ended(event: CloudEvent[RelationshipEnded], svc: Service) -> None:
    """Tell both partners: a celebration when completed, a neutral note when it ended early."""
    await svc.record(event)


async def on_meeting_scheduled(event: CloudEvent[MeetingScheduled], svc: Service) -> None:
    """Tell each participant the meeting's kind, time and partners."""
    await svc.record(event)


async def on_meeting_rescheduled(event: CloudEvent[MeetingRescheduled], svc: Service) -> None:
    """Tell each participant the meeting's new time."""
    await svc.record(event)


async def on_meeting_cancelled(event: CloudEvent[MeetingCancelled], svc: Service) -> None:
    """Tell each participant the meeting will not take place."""
    await svc.record(event)


async def on_reminder_due(event: CloudEvent[ReminderDue], svc: Service) -> None:
    """Remind each participant of the coming meeting."""
    await svc.record(event)


async def on_meeting_overdue(event: CloudEvent[MeetingOverdue], svc: Service) -> None:
    """Ask the participants to log the meeting's outcome."""
    await svc.record(event)


async def on_induction_hours_short(event: CloudEvent[InductionHoursShort], svc: Service) -> None:
    """Tell the mentee their logged mentoring time is below the program's minimum."""
    await svc.record(event)


async def on_survey_issued(event: CloudEvent[SurveyIssued], svc: Service) -> None:
    """Ask the respondent to answer by the due date."""
    await svc.record(event)


async def on_survey_reminder_due(event: CloudEvent[SurveyReminderDue], svc: Service) -> None:
    """Remind the respondent of a survey they have not answered yet."""
    await svc.record(event)


async def on_match_requested(event: CloudEvent[MatchRequested], svc: Service) -> None:
    """Tell the mentor a mentee asked them."""
    await svc.record(event)


async def on_match_declined(event: CloudEvent[MatchDeclined], svc: Service) -> None:
    """Tell the mentee the mentor declined."""
    await svc.record(event)
