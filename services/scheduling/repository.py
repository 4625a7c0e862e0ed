"""Scheduling's own collections (PyMongo async): meetings, and the relationships known to have ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from shared.storage.mongo import Document, restore_datetimes

TIME_FIELDS = ("outcome_at", "cancelled_at", "created_at")

DUPLICATE_KEY = 11000


class SchedulingRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.meetings = db["meetings"]
        self.ended = db["ended_relationships"]

    async def ensure_indexes(self) -> None:
        await self.meetings.create_index([("relationship_id", ASCENDING), ("starts_at", ASCENDING)])
        await self.meetings.create_index([("participant_ids", ASCENDING), ("starts_at", ASCENDING)])
        await self.meetings.create_index([("district", ASCENDING), ("relationship_id", ASCENDING)])

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

    async def meeting(self, meeting_id: str) -> Document | None:
        return restore_datetimes(await self.meetings.find_one({"_id": meeting_id}), TIME_FIELDS)

    async def meetings_by_id(self, meeting_ids: list[str]) -> list[Document]:
        rows = await self.meetings.find({"_id": {"$in": meeting_ids}}).sort("starts_at", ASCENDING).to_list()
        return [r for r in rows if restore_datetimes(r, TIME_FIELDS)]

    async def find(self, relationship_id: str | None, participant_id: str | None, district: str | None) -> list[Document]:
        """Meetings matching every filter given, earliest first; ``district`` None means every district."""
        query: dict[str, Any] = {}
        if district:
            query["district"] = district
        if relationship_id:
            query["relationship_id"] = relationship_id
        if participant_id:
            query["participant_ids"] = participant_id  # matches one element of the array
        rows = await self.meetings.find(query).sort("starts_at", ASCENDING).to_list()
        return [r for r in rows if restore_datetimes(r, TIME_FIELDS)]

    async def set_outcome(self, meeting_id: str, status: str, fields: Document) -> Document | None:
        """Move a scheduled meeting to ``status``; None when it was not scheduled any more."""
        moved = await self.meetings.find_one_and_update(
            {"_id": meeting_id, "status": "scheduled"},
            {"$set": {"status": status, **fields}},
            return_document=ReturnDocument.AFTER,
        )
        return restore_datetimes(moved, TIME_FIELDS)

    async def scheduled_after(self, relationship_id: str, after: datetime) -> list[Document]:
        """The relationship's still-scheduled meetings that start strictly after ``after``."""
        # Compared here, not in the query: nx-27017 compares datetimes at whole seconds only.
        docs = await self.meetings.find({"relationship_id": relationship_id, "status": "scheduled"}).to_list()
        return [d for d in docs if d["starts_at"] > after]

    async def mark_ended(self, relationship_id: str, ended_at: datetime) -> None:
        """Remember that the relationship ended (first end wins), for a start processed after it."""
        await self.ended.update_one({"_id": relationship_id}, {"$setOnInsert": {"ended_at": ended_at}}, upsert=True)

    async def ended_at(self, relationship_id: str) -> datetime | None:
        doc = await self.ended.find_one({"_id": relationship_id})
        return doc["ended_at"] if doc else None
