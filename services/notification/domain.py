"""The delivery state machine and its decisions. Pure: no I/O.

A delivery is one notice to one recipient on one channel; its ``_id`` derives from (cause event, recipient,
channel), so it is recorded once however often the event arrives::

    pending ──claim (lease)──▶ sending ──accepted──▶ sent
       ▲                          │
       └──── retry at due + backoff ◀─ transient error (attempts < 1 + len(backoff))
                                  └─ transient error on the last attempt ─▶ failed (+ dead letter for webhooks)
    pending ──no contact / no webhook / template error──▶ failed     (a retry cannot help)
    (opted out) ──▶ suppressed                                        (recorded for the log, never sent)

"sending" is not a stored status: it is a pending record whose lease (``lease_until_ms``) is in the future.
A worker that dies mid-send leaves the lease to expire; the dispatcher then takes the delivery again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from shared.roster import ParsedRoster, RowError

NO_CONTACT: Final = "no contact on file"
NO_WEBHOOK: Final = "the district has no webhook configured"
MAX_REASON_CHARS: Final = 500  # NotificationFailed.reason's limit
NO_ADDRESS: Final = "missing, this person cannot be sent notifications"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds: due times and leases are stored as integers (exact comparisons on every store)."""
    return int(moment.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


FINISHED: Final = frozenset({Status.SENT, Status.FAILED})


def retry_delay(attempts: int, backoff: Sequence[float]) -> float | None:
    """Seconds to wait after failed attempt number ``attempts``; None when it was the last (1 + len(backoff))."""
    if attempts > len(backoff):
        return None
    return backoff[max(attempts, 1) - 1]


def failure_reason(exc: BaseException) -> str:
    """A one-line reason for an exception that fits ``NotificationFailed.reason``."""
    return clip_reason(f"{type(exc).__name__}: {exc}")


def clip_reason(text: str | None) -> str:
    """``text`` on one line, cut to ``MAX_REASON_CHARS``."""
    line = " ".join((text or "unknown error").split())
    return line if len(line) <= MAX_REASON_CHARS else line[: MAX_REASON_CHARS - 1] + "…"


def contactable(roster: ParsedRoster) -> ParsedRoster:
    """The roster without people who have no e-mail address (OneRoster allows that); each becomes a row error."""
    unreachable = [row for row in roster.rows if row.email is None]
    if not unreachable:
        return roster
    missing = [RowError(roster.lines.get(row.external_id, 0), "email", NO_ADDRESS, roster.file) for row in unreachable]
    return replace(
        roster,
        rows=[row for row in roster.rows if row.email is not None],
        errors=sorted(roster.errors + missing, key=lambda e: (e.file or "", e.row)),
        lines={k: v for k, v in roster.lines.items() if k not in {row.external_id for row in unreachable}},
    )
