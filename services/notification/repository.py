"""Notification's own collections (PyMongo async): the contact directory and the delivery records.

Due times, leases and creation order are epoch milliseconds (``*_ms``): integers compare exactly on every
store (nx-27017 compares datetimes at whole seconds and returns ``$set`` datetimes as strings).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document, insert_once, restore_bools, restore_datetimes

from .domain import Status

TIME_FIELDS = ("created_at", "sent_at")


def _restored(doc: Document | None) -> Document | None:
    if doc is None:
        return None
    return restore_bools(restore_datetimes(doc, TIME_FIELDS), ("digest",))


class NotificationRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.contacts = db["contacts"]
        self.deliveries = db["deliveries"]

    async def ensure_indexes(self) -> None:
        await self.deliveries.create_index([("recipient_id", ASCENDING), ("created_ms", ASCENDING)])
        await self.deliveries.create_index([("district", ASCENDING), ("recipient_id", ASCENDING)])
        await self.deliveries.create_index([("status", ASCENDING), ("due_ms", ASCENDING)])

    # contacts
    async def upsert_contacts(self, docs: list[Document]) -> int:
        """Insert new contacts, update known ones (keyed by participant id); returns how many were new."""
        if not docs:
            return 0
        ops = [UpdateOne({"_id": d["_id"]}, {"$set": {k: v for k, v in d.items() if k != "_id"}}, upsert=True) for d in docs]
        result = await self.contacts.bulk_write(ops, ordered=False)
        return result.upserted_count

    async def contacts_by_id(self, ids: Iterable[str]) -> dict[str, Document]:
        wanted = list(dict.fromkeys(i for i in ids if i))
        if not wanted:
            return {}
        return {doc["_id"]: doc async for doc in self.contacts.find({"_id": {"$in": wanted}})}

    # deliveries
    async def open_delivery(self, doc: Document) -> Document:
        """Create the delivery once, count this sighting of its cause, and return the stored record."""
        fresh = {"attempts": 0, "seen": 0, "lease_until_ms": 0, "sent_at": None, "error": None}
        await insert_once(self.deliveries, {**fresh, **doc})
        found = await self.deliveries.find_one_and_update(
            {"_id": doc["_id"]}, {"$inc": {"seen": 1}}, return_document=ReturnDocument.AFTER
        )
        return _restored(found) or doc

    async def due(self, now_ms: int, limit: int) -> list[Document]:
        """Pending deliveries due by ``now_ms`` whose lease (if any) has expired, earliest first."""
        query = {"$and": [{"status": Status.PENDING.value}, {"due_ms": {"$lte": now_ms}}, {"lease_until_ms": {"$lte": now_ms}}]}
        rows = await self.deliveries.find(query).sort("due_ms", ASCENDING).to_list(limit)
        return [r for r in rows if _restored(r)]

    async def claim(self, delivery_id: str, now_ms: int, lease_ms: int) -> Document | None:
        """Take the send lease of a due pending delivery and count the attempt (None: not due, finished or leased)."""
        found = await self.deliveries.find_one_and_update(
            {
                "_id": delivery_id,
                "status": Status.PENDING.value,
                "lease_until_ms": {"$lte": now_ms},
                "due_ms": {"$lte": now_ms},
            },
            {"$set": {"lease_until_ms": now_ms + lease_ms}, "$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return _restored(found)

    async def retry_at(self, delivery_id: str, due_ms: int, error: str) -> None:
        """Give the lease back after a failed attempt; the delivery falls due again at ``due_ms``."""
        await self.deliveries.update_one(
            {"_id": delivery_id, "status": Status.PENDING.value},
            {"$set": {"lease_until_ms": 0, "due_ms": due_ms, "error": error}},
        )

    async def finish(self, delivery_id: str, status: Status, at: datetime, *, error: str | None = None) -> Document | None:
        """Move a pending delivery to sent or failed; None when it was finished already."""
        changes: dict[str, Any] = {"status": status.value, "error": error, "lease_until_ms": 0}
        if status is Status.SENT:
            changes["sent_at"] = at
        found = await self.deliveries.find_one_and_update(
            {"_id": delivery_id, "status": Status.PENDING.value}, {"$set": changes}, return_document=ReturnDocument.AFTER
        )
        return _restored(found)

    async def deliveries_of(self, recipient_id: str, district: str | None, limit: int = 500, offset: int = 0) -> list[Document]:
        """The recipient's deliveries, oldest first; with ``district``, only that district's records."""
        query: dict[str, Any] = {"recipient_id": recipient_id}
        if district is not None:
            query["district"] = district
        cursor = self.deliveries.find(query).sort([("created_ms", ASCENDING), ("channel", ASCENDING)]).skip(offset)
        return [r for r in await cursor.to_list(limit) if _restored(r)]
