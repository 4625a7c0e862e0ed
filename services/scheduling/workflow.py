"""A meeting's lifecycle: scheduled -> completed (minutes held) / missed (who was absent) / cancelled, and
reschedules in between. Every change is one conditional write, so concurrent requests cannot both win; a
repeat of the very change already made answers with the stored meeting and re-emits the same event id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.scheduling import MeetingCompleted, MeetingMissed
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from . import announce
from .announce import refs
from .domain import OpenDays, as_utc, reschedule_refusal
from .metrics import SchedulingMetrics
from .reminders import Reminders
from .repository import SchedulingRepository
from .stores import PlanningStore

Clock = Callable[[], datetime]
FIRST = "1"  # occurrence number of the first meeting of each kind


def utc_now() -> datetime:
    return datetime.now(UTC)


class MeetingNotFoundError(LookupError):
    pass


class OutcomeConflictError(RuntimeError):
    pass


class InvalidAbsenteesError(ValueError):
    """Some absent ids are not participants of the meeting."""


class RescheduleRefusedError(ValueError):
    """The new time is on a closed day, outside the term, or not in the future."""


def meeting_id(plan_id: str, kind: str, occurrence: str = FIRST) -> str:
    """The natural key of a relationship's (or group's) n-th meeting of a kind."""
    return derived_id("meeting", plan_id, kind, occurrence)


@dataclass
class Scheduling:
    repo: SchedulingRepository
    store: PlanningStore
    reminders: Reminders
    outbox: Outbox
    metrics: SchedulingMetrics
    clock: Clock = utc_now

    async def meeting(self, meeting_id: str) -> Document:
        """The stored meeting; MeetingNotFoundError when there is none."""
        doc = await self.repo.meeting(meeting_id)
        if doc is None:
            raise MeetingNotFoundError(f"meeting {meeting_id} does not exist")
        return doc

    async def complete(self, meeting: Document, minutes: int) -> Document:
        """Record that ``meeting`` (as just read) was held for ``minutes``; repeating the same outcome is a no-op."""
        done, changed = await self._transition(meeting, "completed", {"actual_minutes": minutes})
        if not changed:
            _same_outcome(done, "completed", "actual_minutes", minutes)
        else:
            self.metrics.completed.labels(kind=done["kind"]).inc()
            self.metrics.minutes.inc(minutes)
        data = MeetingCompleted(**refs(done), duration_minutes=done["actual_minutes"])
        await self._emit_outcome(done, "completed", data)
        return done

    async def miss(self, current: Document, absent_ids: Sequence[str]) -> Document:
        """Record who was absent from ``current`` (as just read); every absent id must be one of its participants."""
        unknown = [pid for pid in absent_ids if pid not in current["participant_ids"]]
        if unknown:
            raise InvalidAbsenteesError(f"not participants of this meeting: {', '.join(unknown)}")
        absent = sorted(set(absent_ids))
        done, changed = await self._transition(current, "missed", {"absent_ids": absent})
        if not changed:
            _same_outcome(done, "missed", "absent_ids", absent)
        else:
            self.metrics.missed.labels(kind=done["kind"]).inc()
        await self._emit_outcome(done, "missed", MeetingMissed(**refs(done), absent_ids=done["absent_ids"]))
        return done

    async def cancel(self, current: Document, by: str | None, reason: str) -> Document:
        """Cancel a scheduled meeting (``by`` None: the platform did); its pending reminders are dropped."""
        fields = {"cancelled_at": self.clock(), "cancel_reason": reason, "cancelled_by": by}
        done, changed = await self._transition(current, "cancelled", fields)
        if not changed and done["status"] != "cancelled":
            raise OutcomeConflictError(f"meeting is {done['status']}; it cannot be cancelled")
        if changed:
            self.metrics.cancelled.labels(kind=done["kind"]).inc()
        await self.reminders.drop(done["_id"])
        await self.outbox.emit([announce.cancelled(done)])
        return done

    async def reschedule(self, current: Document, starts_at: datetime, by: str, reason: str) -> Document:
        """Move a scheduled meeting to ``starts_at``; refused on a closed day, outside the term or in the past."""
        now, starts_at = self.clock(), as_utc(starts_at)
        if current["status"] != "scheduled":
            raise OutcomeConflictError(f"meeting is {current['status']}; it cannot be rescheduled")
        if starts_at == current["starts_at"]:
            return current
        cadence = self.store.cadence_of(await self.store.program(current["program_id"]))
        days = OpenDays(await self.store.calendar_or_default(current["district"]), cadence.term_start, cadence.term_end)
        if (refusal := reschedule_refusal(days, starts_at, now)) is not None:
            raise RescheduleRefusedError(refusal)
        sequence = current.get("sequence", 0) + 1
        change = {"at": now, "by": by, "reason": reason, "from": current["starts_at"], "to": starts_at}
        moved: Document = {
            **current,
            "starts_at": starts_at,
            "sequence": sequence,
            "previous_starts_at": current["starts_at"],
            "reschedule_reason": reason,
            "rescheduled_by": by,
            "overdue_at": None,
            "reschedules": [*current.get("reschedules", []), change],
        }
        done = await self.repo.replace_scheduled(current, moved)
        if done is None:
            raise OutcomeConflictError("the meeting changed meanwhile; read it again and retry")
        self.metrics.rescheduled.labels(kind=done["kind"]).inc()
        await self.reminders.drop(done["_id"])
        await self.reminders.plan([done], cadence.reminder_offsets_minutes, now)
        await self.outbox.emit([announce.rescheduled(done, by)])
        return done

    async def _transition(self, current: Document, status: str, fields: Document) -> tuple[Document, bool]:
        """Move a scheduled meeting to ``status``: (meeting as stored now, whether this call changed it)."""
        if current["status"] == "scheduled":
            done = await self.repo.set_outcome(current["_id"], status, {**fields, "outcome_at": self.clock()})
            if done is not None:
                return done, True
            current = await self.meeting(current["_id"])  # another request recorded an outcome meanwhile
        return current, False

    async def _emit_outcome(self, meeting: Document, outcome: str, data: Any) -> None:
        # Emitted again on a repeat: the derived id makes the outbox publish it at most once.
        event_id = derived_id(f"meeting.{outcome}", meeting["_id"])
        await self.outbox.emit([make_event(data, meeting["district"], meeting["_id"], event_id)])


def _same_outcome(meeting: Document, status: str, field: str, value: object) -> None:
    """Accept a repeat of the very outcome already stored; anything else conflicts with it."""
    if meeting["status"] != status:
        raise OutcomeConflictError(f"meeting is {meeting['status']}; it cannot be marked {status}")
    if meeting.get(field) != value:
        raise OutcomeConflictError(f"meeting is already {status} with {field}={meeting.get(field)!r}")
