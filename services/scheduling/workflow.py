"""Scheduling's use cases: planning a relationship's first meetings, cancelling them, recording outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.contracts.envelope import CloudEvent, derived_id, make_event
from shared.contracts.matching import RelationshipEnded, RelationshipStarted
from shared.contracts.scheduling import MeetingCompleted, MeetingKind, MeetingMissed, MeetingScheduled
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from . import domain
from .metrics import SchedulingMetrics
from .repository import SchedulingRepository

FIRST = "1"  # sequence number of the first meeting of each kind


class MeetingNotFoundError(LookupError):
    pass


class OutcomeConflictError(RuntimeError):
    pass


class InvalidAbsenteesError(ValueError):
    """Some absent ids are not participants of the meeting."""


def meeting_id(relationship_id: str, kind: MeetingKind, sequence: str = FIRST) -> str:
    """The natural key of a relationship's n-th meeting of a kind."""
    return derived_id("meeting", relationship_id, kind.value, sequence)


@dataclass
class Scheduling:
    repo: SchedulingRepository
    outbox: Outbox
    metrics: SchedulingMetrics

    async def schedule_first_meetings(self, district: str, started: RelationshipStarted) -> list[Document]:
        """Store the planned first meetings and announce them; a repeated start changes nothing."""
        rid, now = started.relationship_id, datetime.now(UTC)
        docs: list[Document] = [
            {
                "_id": meeting_id(rid, m.kind),
                "program_id": started.program_id,
                "district": district,
                "relationship_id": rid,
                "kind": m.kind.value,
                "participant_ids": [started.mentor_id, started.mentee_id],
                "starts_at": m.starts_at,
                "duration_minutes": m.duration_minutes,
                "status": "scheduled",
                "created_at": now,
            }
            for m in domain.plan_first_meetings(started.started_at)
        ]
        inserted = await self.repo.add_meetings(docs)
        for doc in docs:
            if doc["_id"] in inserted:
                self.metrics.scheduled.labels(kind=doc["kind"]).inc()
        # Announce what is stored (a redelivery finds the first delivery's documents and re-emits the same ids).
        stored = await self.repo.meetings_by_id([d["_id"] for d in docs])
        await self.outbox.emit([_scheduled_event(m) for m in stored])
        if (ended_at := await self.repo.ended_at(rid)) is not None:  # the end was processed first
            await self._cancel_after(rid, ended_at)
        return stored

    async def cancel_after_end(self, ended: RelationshipEnded) -> int:
        """Cancel the relationship's scheduled meetings that start after it ended; returns how many."""
        ended_at = domain.as_utc(ended.ended_at)
        await self.repo.mark_ended(ended.relationship_id, ended_at)
        return await self._cancel_after(ended.relationship_id, ended_at)

    async def _cancel_after(self, relationship_id: str, ended_at: datetime) -> int:
        cancelled = 0
        for doc in await self.repo.scheduled_after(relationship_id, ended_at):
            # One guarded update per meeting, so an outcome recorded meanwhile is never overwritten.
            fields = {"cancelled_at": datetime.now(UTC), "cancel_reason": "relationship_ended"}
            if await self.repo.set_outcome(doc["_id"], "cancelled", fields):
                self.metrics.cancelled.labels(kind=doc["kind"]).inc()
                cancelled += 1
        return cancelled

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
        data = MeetingCompleted(**_refs(done), duration_minutes=done["actual_minutes"])
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
        await self._emit_outcome(done, "missed", MeetingMissed(**_refs(done), absent_ids=done["absent_ids"]))
        return done

    async def _transition(self, current: Document, status: str, fields: Document) -> tuple[Document, bool]:
        """Move a scheduled meeting to ``status``: (meeting as stored now, whether this call changed it)."""
        if current["status"] == "scheduled":
            done = await self.repo.set_outcome(current["_id"], status, {**fields, "outcome_at": datetime.now(UTC)})
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


def _refs(meeting: Document) -> dict[str, Any]:
    return {
        "program_id": meeting["program_id"],
        "relationship_id": meeting["relationship_id"],
        "meeting_id": meeting["_id"],
        "meeting_kind": MeetingKind(meeting["kind"]),
    }


def _scheduled_event(meeting: Document) -> CloudEvent[Any]:
    data = MeetingScheduled(
        **_refs(meeting),
        participant_ids=meeting["participant_ids"],
        starts_at=meeting["starts_at"],
        duration_minutes=meeting["duration_minutes"],
    )
    return make_event(data, meeting["district"], meeting["_id"], derived_id("meeting.scheduled", meeting["_id"]))
