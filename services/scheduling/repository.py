"""Scheduling's meetings (PyMongo async), and the relationships known to have ended.

Meetings are inserted whole and moved with conditional updates; a reschedule replaces the whole document
(nx-27017 keeps a datetime's type on insert and replace, not on ``$set``), so ``starts_at`` stays a real
datetime and can be queried. Fields written with ``$set`` go through ``restore_datetimes`` on the way out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from shared.storage.mongo import Document, restore_datetimes

TIME_FIELDS = ("starts_at", "outcome_at", "cancelled_at", "created_at", "overdue_at", "previous_starts_at")
DUPLICATE_KEY = 11000


def _restored(rows: list[Document]) -> list[Document]:
    return [restore_datetimes(r, TIME_FIELDS) for r in rows]


class SchedulingRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.meetings = db["meetings"]
        self.ended = db["ended_relationships"]

    async def ensure_indexes(self) -> None:
        await self.meetings.create_index([("relationship_id", ASCENDING), ("starts_at", ASCENDING)])
        await self.meetings.create_index([("participant_ids", ASCENDING), ("starts_at", ASCENDING)])
        await self.meetings.create_index([("district", ASCENDING), ("relationship_id", ASCENDING)])
        await self.meetings.create_index([("group_id", ASCENDING)])
        await self.meetings.create_index([("status", ASCENDING), ("starts_at", ASCENDING)])

    async def add_meetings(self, docs: list[Document]) -> list[str]:
        """Insert meetings whose ``_id`` is new; returns the ids that were inserted."""
        if not docs:
            return []
        try:
            await self.meetings.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(err.get("code") != DUPLICATE_KEY for err in errors):
                raise
            duplicates = {docs[err["index"]]["_id"] for err in errors}
            return [d["_id"] for d in docs if d["_id"] not in duplicates]
        return [d["_id"] for d in docs]

    async def mark_announced(self, meeting_ids: list[str], now: datetime) -> None:
        if meeting_ids:
            await self.meetings.update_many({"_id": {"$in": meeting_ids}}, {"$set": {"announced_at": now}})

    async def meeting(self, meeting_id: str) -> Document | None:
        return restore_datetimes(await self.meetings.find_one({"_id": meeting_id}), TIME_FIELDS)

    async def meetings_by_id(self, meeting_ids: list[str]) -> list[Document]:
        return _restored(await self.meetings.find({"_id": {"$in": meeting_ids}}).sort("starts_at", ASCENDING).to_list())

    async def find(self, relationship_id: str | None, participant_id: str | None, district: str | None) -> list[Document]:
        """Meetings matching every filter given, earliest first; ``district`` None means every district."""
        query: dict[str, Any] = {}
        if district:
            query["district"] = district
        if relationship_id:
            query["relationship_id"] = relationship_id
        if participant_id:
            query["participant_ids"] = participant_id  # matches one element of the array
        return _restored(await self.meetings.find(query).sort("starts_at", ASCENDING).to_list())

    async def of_plan(self, key: str, value: str) -> list[Document]:
        """Every meeting of one relationship (``key`` relationship_id) or group (``group_id``), any status."""
        return _restored(await self.meetings.find({key: value}).to_list())

    async def scheduled_of(self, participant_ids: list[str]) -> list[Document]:
        """The still-scheduled meetings of any of these participants (what a new meeting must not overlap)."""
        query = {"participant_ids": {"$in": participant_ids}, "status": "scheduled"}
        return _restored(await self.meetings.find(query).to_list())

    async def of_participant(self, participant_id: str, district: str) -> list[Document]:
        query = {"participant_ids": participant_id, "district": district}
        return _restored(await self.meetings.find(query).sort("starts_at", ASCENDING).to_list())

    async def completed_of(self, participant_id: str, program_id: str) -> list[Document]:
        query = {"participant_ids": participant_id, "program_id": program_id, "status": "completed"}
        return _restored(await self.meetings.find(query).to_list())

    async def started_unflagged(self, now: datetime) -> list[Document]:
        """Scheduled meetings that have started and were never flagged overdue."""
        query = {"status": "scheduled", "overdue_at": None, "starts_at": {"$lte": now}}
        rows = _restored(await self.meetings.find(query).to_list(5000))
        return [r for r in rows if r["starts_at"] <= now]  # nx-27017 compares datetimes at whole seconds

    async def set_outcome(self, meeting_id: str, status: str, fields: Document) -> Document | None:
        """Move a scheduled meeting to ``status``; None when it was not scheduled any more."""
        moved = await self.meetings.find_one_and_update(
            {"_id": meeting_id, "status": "scheduled"},
            {"$set": {"status": status, **fields}},
            return_document=ReturnDocument.AFTER,
        )
        return restore_datetimes(moved, TIME_FIELDS)

    async def replace_scheduled(self, current: Document, new: Document) -> Document | None:
        """Replace ``current`` by ``new`` if it is still scheduled at the same sequence; None when it changed."""
        condition = {"_id": current["_id"], "status": "scheduled", "sequence": current.get("sequence", 0)}
        body = {k: v for k, v in new.items() if k != "_id"}
        moved = await self.meetings.find_one_and_replace(condition, body, return_document=ReturnDocument.AFTER)
        return restore_datetimes(moved, TIME_FIELDS)

    async def set_participants(self, current: Document, participant_ids: list[str]) -> bool:
        """Change a still-scheduled meeting's participants (a group's members, read fresh by every caller)."""
        condition = {"_id": current["_id"], "status": "scheduled"}  # nx-27017 cannot match a whole array
        done = await self.meetings.update_one(condition, {"$set": {"participant_ids": participant_ids}})
        return done.modified_count == 1

    async def flag_overdue(self, meeting: Document, now: datetime) -> bool:
        """Mark a still-scheduled, unflagged meeting overdue; False when another replica did, or it moved."""
        condition = {"_id": meeting["_id"], "status": "scheduled", "overdue_at": None, "sequence": meeting.get("sequence", 0)}
        done = await self.meetings.update_one(condition, {"$set": {"overdue_at": now}})
        return done.modified_count == 1

    async def scheduled_after(self, key: str, value: str, after: datetime) -> list[Document]:
        """The relationship's (or group's) still-scheduled meetings that start strictly after ``after``."""
        docs = _restored(await self.meetings.find({key: value, "status": "scheduled"}).to_list())
        return [d for d in docs if d["starts_at"] > after]  # compared here: nx-27017 compares at whole seconds

    async def mark_ended(self, relationship_id: str, ended_at: datetime) -> None:
        """Remember that the relationship ended (first end wins), for a start processed after it."""
        await self.ended.update_one({"_id": relationship_id}, {"$setOnInsert": {"ended_at": ended_at}}, upsert=True)

    async def ended_at(self, relationship_id: str) -> datetime | None:
        doc = restore_datetimes(await self.ended.find_one({"_id": relationship_id}), ("ended_at",))
        return doc["ended_at"] if doc else None

    async def ended_ids(self, relationship_ids: list[str]) -> set[str]:
        rows = await self.ended.find({"_id": {"$in": relationship_ids}}, {"_id": 1}).to_list()
        return {r["_id"] for r in rows}
