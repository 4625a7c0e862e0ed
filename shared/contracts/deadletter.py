"""What the dead-letter stream holds: the original message and why it was given up."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class DeadLetterReason(StrEnum):
    INVALID_PAYLOAD = "invalid_payload"
    DELIVERIES_EXHAUSTED = "deliveries_exhausted"


class DeadLetter(BaseModel):
    service: str
    durable: str
    stream: str
    stream_seq: int
    subject: str
    deliveries: int
    reason: DeadLetterReason
    detail: str
    failed_at: datetime
    payload: str  # original body, UTF-8 with replacement characters
