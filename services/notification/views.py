"""What the HTTP API answers: response models and their construction from stored records."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, Field

from shared.storage.mongo import Document

from . import domain
from .kinds import ESSENTIAL, Kind
from .preferences import Preferences

Responses = dict[int | str, dict[str, Any]]


class Problem(BaseModel):
    detail: str


UNAUTHENTICATED: Final[Responses] = {401: {"model": Problem, "description": "Missing or invalid bearer token"}}
TEACHERS_ONLY: Final[Responses] = {403: {"model": Problem, "description": "Only a mentor or mentee has this; for themselves"}}
UNKNOWN: Final[Responses] = {404: {"model": Problem, "description": "No such record in the caller's reach"}}
UNREADABLE_JSON: Final[Responses] = {400: {"model": Problem, "description": "The body is not parseable JSON"}}


class Delivery(BaseModel):
    id: str
    district: str
    recipient_id: str
    kind: str
    template: str
    channel: str
    status: str = Field(description="pending, sent, failed or suppressed (opted out)")
    cause_event_id: str
    attempts: int
    seen: int = Field(description="How many times the cause event arrived")
    due_at: datetime = Field(description="When it falls (fell) due: later than the event behind quiet hours or a digest")
    sent_at: datetime | None
    error: str | None
    created_at: datetime


def delivery(row: Document) -> Delivery:
    return Delivery(
        id=row["_id"],
        district=row["district"],
        recipient_id=row["recipient_id"],
        kind=row.get("kind") or row["template"],
        template=row["template"],
        channel=row["channel"],
        status=row["status"],
        cause_event_id=row["cause_event_id"],
        attempts=row["attempts"],
        seen=row["seen"],
        due_at=domain.from_ms(row.get("due_ms", 0)),
        sent_at=row.get("sent_at"),
        error=row.get("error"),
        created_at=row["created_at"],
    )


class InboxItem(BaseModel):
    id: str
    kind: str
    subject: str
    body: str
    program_id: str
    cause_event_id: str
    created_at: datetime
    read: bool
    read_at: datetime | None


def inbox_item(row: Document) -> InboxItem:
    read_ms = int(row.get("read_ms") or 0)
    return InboxItem(
        id=row["_id"],
        kind=row["kind"],
        subject=row["subject"],
        body=row["body"],
        program_id=row["program_id"],
        cause_event_id=row["cause_event_id"],
        created_at=row["created_at"],
        read=read_ms > 0,
        read_at=domain.from_ms(read_ms) if read_ms else None,
    )


class InboxPage(BaseModel):
    items: list[InboxItem] = Field(description="Newest first")
    total: int
    unread: int
    limit: int
    offset: int


class UnreadCount(BaseModel):
    unread: int


class PreferencesView(Preferences):
    """The stored preferences, and what they mean for every kind."""

    essential: list[Kind] = Field(description="Kinds that cannot be opted out of")
    effective_channels: dict[Kind, list[str]] = Field(description="Channels each kind is delivered on (none when opted out)")
    effective_digest_hour: int


def preferences_view(prefs: Preferences, default_digest_hour: int) -> PreferencesView:
    effective: dict[Kind, list[str]] = {k: ([] if k in prefs.opted_out else list(prefs.channels_for(k))) for k in Kind}
    hour = prefs.digest_hour if prefs.digest_hour is not None else default_digest_hour
    essential = sorted(ESSENTIAL, key=list(Kind).index)
    return PreferencesView(**prefs.model_dump(), essential=essential, effective_channels=effective, effective_digest_hour=hour)


class WebhookView(BaseModel):
    """A district's webhook; the secret is never returned."""

    district: str
    url: str
    secret_set: bool
    updated_at: datetime
