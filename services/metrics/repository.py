"""The read model (PyMongo async): one collection per projected aggregate, plus the processed envelopes.

``apply`` turns a domain ``Change`` into idempotent natural-key upserts that never move a status
backwards (see ``domain.apply`` for the same semantics without a database).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.storage.mongo import Document, insert_once

from .domain import COLLECTIONS, Change
from .summary import Counts

Match = dict[str, Any]


class ReadModel:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self.processed = db["processed_events"]

    async def ensure_indexes(self) -> None:
        for name in COLLECTIONS:
            await self.db[name].create_index([("program_id", ASCENDING)])
            await self.db[name].create_index([("district", ASCENDING)])

    async def apply(self, changes: list[Change]) -> None:
        """Apply each change; running the same changes again leaves every document as it was."""
        for change in changes:
            await self._apply(change)

    async def _apply(self, change: Change) -> None:
        collection = self.db[change.collection]
        facts = {"$set": dict(change.facts)}
        lower = change.lower_statuses()
        if change.status is None:
            await _upsert(collection, change.key, facts)
        elif not lower:
            # The initial status is written only when the document is new: it never overrides a later one.
            await _upsert(collection, change.key, {**facts, "$setOnInsert": {"status": change.status, **change.with_status}})
        else:
            forward = {"$set": {**change.facts, "status": change.status, **change.with_status}}
            only_if_lower = {"_id": change.key, "status": {"$in": list(lower)}}
            try:
                await collection.update_one(only_if_lower, forward, upsert=True)
            except DuplicateKeyError:
                # The document exists at an equal or later status (or was inserted concurrently).
                moved = await collection.update_one(only_if_lower, forward)
                if not moved.matched_count:
                    await collection.update_one({"_id": change.key}, facts)

    async def record_processed(self, event_id: str, type_label: str, district: str) -> bool:
        """Remember a consumed envelope; True the first time its id is seen."""
        doc = {"_id": event_id, "type": type_label, "district": district, "at": datetime.now(UTC)}
        return await insert_once(self.processed, doc)

    async def consumed_by_type(self) -> dict[str, int]:
        return await _group(self.processed, {}, "type")

    async def program_district(self, program_id: str) -> str | None:
        program = await self.db["programs"].find_one({"_id": program_id})
        return None if program is None else str(program["district"])

    async def districts(self) -> list[str]:
        return sorted(await _group(self.db["programs"], {}, "district"))

    async def counts(self, match: Match) -> Counts:
        """Counts of the documents matching ``match`` (``{"program_id": ...}`` or ``{"district": ...}``)."""
        db = self.db
        minutes = await _total(db["meetings"], {**match, "status": "completed"}, {"$sum": "$minutes"})
        return Counts(
            programs=await db["programs"].count_documents(match),
            roles=await _group(db["participants"], match, "role"),
            matched_mentees=len(await _group(db["relationships"], match, "mentee_key")),
            proposals=await _group(db["proposals"], match, "status"),
            relationships=await _group(db["relationships"], match, "status"),
            meetings=await _group(db["meetings"], match, "status"),
            minutes=int(minutes or 0),
            surveys=await _group(db["surveys"], match, "status"),
            mean_rating=await _total(db["surveys"], {**match, "status": "submitted"}, {"$avg": "$rating"}),
            notifications=await _group(db["notifications"], match, "status"),
        )


async def _upsert(collection: AsyncCollection[Document], key: str, update: Document) -> None:
    try:
        await collection.update_one({"_id": key}, update, upsert=True)
    except DuplicateKeyError:  # another handler inserted the same key at the same moment: update theirs
        await collection.update_one({"_id": key}, update)


async def _group(collection: AsyncCollection[Document], match: Match, field: str) -> dict[str, int]:
    """Documents matching ``match`` counted by the value of ``field``."""
    cursor = await collection.aggregate([{"$match": match}, {"$group": {"_id": f"${field}", "n": {"$sum": 1}}}])
    return {str(row["_id"]): int(row["n"]) for row in await cursor.to_list()}


async def _total(collection: AsyncCollection[Document], match: Match, accumulator: Document) -> float | None:
    """One accumulator over the matching documents; None when nothing matches."""
    cursor = await collection.aggregate([{"$match": match}, {"$group": {"_id": None, "value": accumulator}}])
    rows = await cursor.to_list()
    return None if not rows or rows[0]["value"] is None else float(rows[0]["value"])
