"""Reminders that fire once: one record per (meeting, reschedule count, offset), claimed by one sweep.

Every replica sweeps (``Housekeeping``). A due reminder is first *claimed* by a conditional update
(``pending`` -> ``claimed`` with a random claim token): of two replicas sweeping at once exactly one wins.
The winner stores ``ReminderDue`` in the outbox under an id derived from the reminder, then marks the
reminder ``sent``. A replica that dies between claim and ``sent`` leaves a claim that another sweep takes
back after ``claim_seconds``; it emits the same derived id again, which the outbox (and JetStream's
duplicate window) drops, so the reminder is still published once.

**Reminders that fell due while the service was down** (the rule, tested in
tests/integration/scheduling/test_reminders.py): a sweep finds every reminder whose due time has passed.
If its meeting has not started yet, the reminder is sent now, with ``late=True`` when it is more than
``late_after`` past its due time; if the meeting has started, the reminder is not sent and is recorded as
``skipped`` (``mentoring_reminders_skipped_total``). Reminders of a cancelled meeting are dropped; a
reschedule drops the pending ones and plans new ones (their ids include the new sequence). Offsets whose
due time has already passed when a meeting is planned or moved get no reminder at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.scheduling import MeetingKind, ReminderDue
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document, restore_datetimes

from .metrics import SchedulingMetrics
from .repository import SchedulingRepository

TIMES = ("due_at", "claimed_at", "sent_at")
BATCH = 500


def reminder_id(meeting: Document, offset_minutes: int) -> str:
    return derived_id("reminder", meeting["_id"], str(meeting.get("sequence", 0)), str(offset_minutes))


class ReminderStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.reminders = db["reminders"]

    async def ensure_indexes(self) -> None:
        await self.reminders.create_index([("status", ASCENDING), ("due_at", ASCENDING)])
        await self.reminders.create_index([("meeting_id", ASCENDING)])

    async def add(self, docs: list[Document]) -> None:
        if not docs:
            return
        try:
            await self.reminders.insert_many(docs, ordered=False)
        except BulkWriteError as exc:  # planned before (a repeated plan): keep the first
            if any(err.get("code") != 11000 for err in exc.details.get("writeErrors", [])):
                raise

    async def drop_pending(self, meeting_id: str) -> None:
        await self.reminders.update_many({"meeting_id": meeting_id, "status": "pending"}, {"$set": {"status": "dropped"}})

    async def due(self, now: datetime) -> list[Document]:
        query = {"status": "pending", "due_at": {"$lte": now + timedelta(seconds=1)}}
        rows = await self.reminders.find(query).sort("due_at", ASCENDING).to_list(BATCH)
        return [r for r in (restore_datetimes(r, TIMES) for r in rows) if r["due_at"] <= now]  # whole seconds on nx

    async def claimed(self) -> list[Document]:
        return [restore_datetimes(r, TIMES) for r in await self.reminders.find({"status": "claimed"}).to_list(BATCH)]

    async def claim(self, reminder: Document, now: datetime) -> Document | None:
        """Take a pending reminder (or one whose claim went stale); None when another sweep has it."""
        condition = {"_id": reminder["_id"], "status": reminder["status"], "claim": reminder.get("claim")}
        update = {"$set": {"status": "claimed", "claim": uuid.uuid4().hex, "claimed_at": now}}
        won = await self.reminders.find_one_and_update(condition, update, return_document=True)
        return restore_datetimes(won, TIMES)

    async def settle(self, reminder: Document, status: str, fields: Document) -> None:
        condition = {"_id": reminder["_id"], "status": "claimed", "claim": reminder["claim"]}
        await self.reminders.update_one(condition, {"$set": {"status": status, **fields}})

    async def of_meeting(self, meeting_id: str) -> list[Document]:
        rows = await self.reminders.find({"meeting_id": meeting_id}).sort("due_at", ASCENDING).to_list()
        return [restore_datetimes(r, TIMES) for r in rows]


@dataclass
class Reminders:
    store: ReminderStore
    meetings: SchedulingRepository
    outbox: Outbox
    metrics: SchedulingMetrics
    late_after: timedelta = timedelta(minutes=5)
    claim_for: timedelta = timedelta(minutes=2)

    async def plan(self, meetings: Sequence[Document], offsets: Sequence[int], now: datetime) -> None:
        """Reminder records for each meeting's offsets still in the future (a repeat plans nothing new)."""
        docs = [
            {
                "_id": reminder_id(m, offset),
                "meeting_id": m["_id"],
                "district": m["district"],
                "sequence": m.get("sequence", 0),
                "offset_minutes": offset,
                "due_at": m["starts_at"] - timedelta(minutes=offset),
                "status": "pending",
                "claim": None,
            }
            for m in meetings
            for offset in offsets
            if m["starts_at"] - timedelta(minutes=offset) > now
        ]
        await self.store.add(docs)

    async def drop(self, meeting_id: str) -> None:
        """A cancelled or moved meeting's pending reminders will never be sent."""
        await self.store.drop_pending(meeting_id)

    async def sweep(self, now: datetime) -> int:
        """Send (or skip) every due reminder this replica manages to claim; returns how many it published."""
        stale = [r for r in await self.store.claimed() if r["claimed_at"] + self.claim_for <= now]
        published = 0
        for reminder in [*stale, *await self.store.due(now)]:
            claimed = await self.store.claim(reminder, now)
            if claimed is not None:
                published += await self._fire(claimed, now)
        return published

    async def _fire(self, reminder: Document, now: datetime) -> int:
        meeting = await self.meetings.meeting(reminder["meeting_id"])
        if meeting is None or meeting["status"] != "scheduled" or meeting.get("sequence", 0) != reminder["sequence"]:
            await self.store.settle(reminder, "dropped", {})
            return 0
        if meeting["starts_at"] <= now:
            await self.store.settle(reminder, "skipped", {"sent_at": now})
            self.metrics.reminders_skipped.inc()
            return 0
        late = now - reminder["due_at"] > self.late_after
        data = ReminderDue(
            program_id=meeting["program_id"],
            relationship_id=meeting["relationship_id"],
            meeting_id=meeting["_id"],
            reminder_id=reminder["_id"],
            meeting_kind=MeetingKind(meeting["kind"]),
            participant_ids=meeting["participant_ids"],
            starts_at=meeting["starts_at"],
            duration_minutes=meeting["duration_minutes"],
            time_zone=meeting.get("time_zone", "UTC"),
            offset_minutes=reminder["offset_minutes"],
            late=late,
        )
        event_id = derived_id("reminder.due", reminder["_id"])
        await self.outbox.emit([make_event(data, meeting["district"], meeting["_id"], event_id)])
        await self.store.settle(reminder, "sent", {"sent_at": now, "late": late})
        self.metrics.reminders_sent.labels(late=str(late).lower()).inc()
        return 1
