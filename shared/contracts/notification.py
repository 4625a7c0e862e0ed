"""Events of the notification service: what was delivered to whom (by opaque id), or not."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.contracts.envelope import EventData, OpaqueId
from shared.contracts.subjects import Domain, EventKind


class Channel(StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"  # the person's inbox in the platform
    WEBHOOK = "webhook"  # the district's configured endpoint, signed with HMAC-SHA256


def _kind(action: str) -> EventKind:
    return EventKind(Domain.NOTIFICATION, "notification", action, 1)


class NotificationSent(EventData):
    kind: ClassVar[EventKind] = _kind("sent")
    program_id: OpaqueId
    notification_id: OpaqueId
    recipient_id: OpaqueId
    channel: Channel
    template: str = Field(pattern=r"^[a-z_]+$")
    cause_event_id: str


class NotificationFailed(EventData):
    kind: ClassVar[EventKind] = _kind("failed")
    program_id: OpaqueId
    notification_id: OpaqueId
    recipient_id: OpaqueId
    channel: Channel
    template: str = Field(pattern=r"^[a-z_]+$")
    cause_event_id: str
    reason: str = Field(max_length=500)
