"""Event handlers: validate the envelope (FastStream does, from the type), then one use case each."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.nats.annotations import NatsMessage

from shared.contracts.envelope import CloudEvent
from shared.contracts.feedback import SurveyIssued
from shared.contracts.matching import RelationshipStarted
from shared.contracts.scheduling import MeetingScheduled

from .workflow import Notifications

Service = Annotated[Notifications, Context("notifications")]


async def on_relationship_started(event: CloudEvent[RelationshipStarted], msg: NatsMessage, svc: Service) -> None:
    """Tell mentor and mentee who their partner is (template relationship_started)."""
    await svc.notify(event, msg.raw_message.metadata.num_delivered)


async def on_meeting_scheduled(event: CloudEvent[MeetingScheduled], msg: NatsMessage, svc: Service) -> None:
    """Tell each participant the meeting's kind, time and partner (template meeting_scheduled)."""
    await svc.notify(event, msg.raw_message.metadata.num_delivered)


async def on_survey_issued(event: CloudEvent[SurveyIssued], msg: NatsMessage, svc: Service) -> None:
    """Ask the respondent to answer by the due date (template survey_issued)."""
    await svc.notify(event, msg.raw_message.metadata.num_delivered)
