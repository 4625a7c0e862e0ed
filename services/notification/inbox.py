"""The in-app inbox: one entry per in-app delivery (its ``_id`` is the delivery's, so it is stored once).

``read_ms`` is 0 until the person reads the entry (an integer, not a boolean or null: every store filters it
the same way).
"""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document, insert_once, restore_datetimes

TIME_FIELDS = ("created_at",)


class InboxRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.items = db["inbox"]

    async def ensure_indexes(self) -> None:
        await self.items.create_index([("recipient_id", ASCENDING), ("created_ms", ASCENDING)])
        await self.items.create_index([("recipient_id", ASCENDING), ("read_ms", ASCENDING)])

    async def add(self, doc: Document) -> bool:
        """Store an entry unless it is there already; True when stored now."""
        return await insert_once(self.items, {**doc, "read_ms": 0})

    async def page(self, recipient_id: str, limit: int, offset: int) -> tuple[list[Document], int]:
        """One page of the recipient's entries, newest first, and how many there are in all."""
        query = {"recipient_id": recipient_id}
        cursor = self.items.find(query).sort([("created_ms", DESCENDING), ("_id", DESCENDING)]).skip(offset)
        rows = await cursor.to_list(limit)
        return [restore_datetimes(r, TIME_FIELDS) for r in rows], await self.items.count_documents(query)

    async def unread(self, recipient_id: str) -> int:
        return await self.items.count_documents({"recipient_id": recipient_id, "read_ms": 0})

    async def mark_read(self, recipient_id: str, item_id: str, now_ms: int) -> Document | None:
        """Mark the recipient's entry read (the first reading time is kept); None when it is not theirs or unknown."""
        found = await self.items.find_one_and_update(
            {"_id": item_id, "recipient_id": recipient_id, "read_ms": 0},
            {"$set": {"read_ms": now_ms}},
            return_document=ReturnDocument.AFTER,
        )
        if found is None:
            found = await self.items.find_one({"_id": item_id, "recipient_id": recipient_id})
        return restore_datetimes(found, TIME_FIELDS) if found else None
