"""Who is told what about an event, and what to do with one delivery. Pure: no I/O.

``plan`` turns an incoming event into notices (one per recipient); ``next_step`` decides, from the
stored delivery record and the directory, whether a notice is sent, failed or already done.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final

from shared.contracts.envelope import EventData
from shared.contracts.feedback import SurveyIssued
from shared.contracts.matching import RelationshipStarted
from shared.contracts.scheduling import MeetingScheduled
from shared.roster import ParsedRoster, RowError

NO_CONTACT: Final = "no contact on file"
MAX_REASON_CHARS: Final = 500  # NotificationFailed.reason's limit
NO_ADDRESS: Final = "missing, this person cannot be sent notifications"


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Step(StrEnum):
    SEND = "send"  # claim the delivery and hand the message to SMTP
    DONE = "done"  # sent or failed before: send nothing, re-announce the outcome
    NO_CONTACT = "no_contact"  # fail now, a retry cannot help
    BUSY = "busy"  # another worker holds the delivery's lease


@dataclass(frozen=True)
class Notice:
    """One message to one recipient. ``partner_ids`` are people the message names; ``params`` are not personal."""

    recipient_id: str
    template: str
    partner_ids: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)


def plan(data: EventData) -> list[Notice]:
    """The notices an event causes, one per recipient (duplicates removed, order kept)."""
    if isinstance(data, RelationshipStarted):
        common = {"started_at": data.started_at}
        return [
            Notice(
                data.mentor_id, "relationship_started", (data.mentee_id,), {**common, "role": "mentor", "partner_role": "mentee"}
            ),
            Notice(
                data.mentee_id, "relationship_started", (data.mentor_id,), {**common, "role": "mentee", "partner_role": "mentor"}
            ),
        ]
    if isinstance(data, MeetingScheduled):
        people = list(dict.fromkeys(data.participant_ids))
        params = {"meeting_kind": data.meeting_kind.value, "starts_at": data.starts_at, "duration_minutes": data.duration_minutes}
        return [Notice(pid, "meeting_scheduled", tuple(p for p in people if p != pid), params) for pid in people]
    if isinstance(data, SurveyIssued):
        return [Notice(data.respondent_id, "survey_issued", (), {"due_at": data.due_at, "survey": data.template.value})]
    raise TypeError(f"no notification is planned for {type(data).__name__}")


def next_step(status: str, has_contact: bool, lease_until_ms: int, now_ms: int) -> Step:
    """What to do with a delivery record in ``status`` (see ``Step``)."""
    if status in (Status.SENT, Status.FAILED):
        return Step.DONE
    if not has_contact:
        return Step.NO_CONTACT
    if lease_until_ms > now_ms:
        return Step.BUSY
    return Step.SEND


def give_up(num_delivered: int, max_deliver: int) -> bool:
    """After a transient error: True on the last delivery JetStream will make, so record the failure."""
    return num_delivered >= max_deliver


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
