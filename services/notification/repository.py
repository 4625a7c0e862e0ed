"""Notification's own collections (PyMongo async): the contact directory and the delivery log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document, insert_once, restore_datetimes

from .domain import Status

TIME_FIELDS = ("created_at", "sent_at")


class NotificationRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.contacts = db["contacts"]
        self.deliveries = db["deliveries"]

    async def ensure_indexes(self) -> None:
        await self.deliveries.create_index([("recipient_id", ASCENDING), ("created_at", ASCENDING)])
        await self.deliveries.create_index([("district", ASCENDING), ("recipient_id", ASCENDING)])

    # contacts
    async def upsert_contacts(self, docs: list[Document]) -> int:
        """Insert new contacts, update known ones (keyed by participant id); returns how many were new."""
        if not docs:
            return 0
        ops = [UpdateOne({"_id": d["_id"]}, {"$set": {k: v for k, v in d.items() if k != "_id"}}, upsert=True) for d in docs]
        result = await self.contacts.bulk_write(ops, ordered=False)
        return result.upserted_count

    async def contacts_by_id(self, ids: Iterable[str]) -> dict[str, Document]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        return {doc["_id"]: doc async for doc in self.contacts.find({"_id": {"$in": wanted}})}

    # deliveries
    async def open_delivery(self, doc: Document) -> Document:
        """Create the delivery once (status pending), count this sighting of its cause, return the record."""
        await insert_once(
            self.deliveries,
            {
                **doc,
                "status": Status.PENDING.value,
                "attempts": 0,
                "seen": 0,
                "lease_until_ms": 0,
                "sent_at": None,
                "error": None,
            },
        )
        found = await self.deliveries.find_one_and_update(
            {"_id": doc["_id"]}, {"$inc": {"seen": 1}}, return_document=ReturnDocument.AFTER
        )
        return restore_datetimes(found or doc, TIME_FIELDS)

    async def claim(self, delivery_id: str, now_ms: int, lease_ms: int) -> Document | None:
        """Take the send lease of a pending delivery (None when finished or leased by another worker)."""
        found = await self.deliveries.find_one_and_update(
            {"_id": delivery_id, "status": Status.PENDING.value, "lease_until_ms": {"$lte": now_ms}},
            {"$set": {"lease_until_ms": now_ms + lease_ms}, "$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return restore_datetimes(found, TIME_FIELDS)

    async def release(self, delivery_id: str, error: str) -> None:
        """Give the lease back after a transient error, keeping the error for the log."""
        await self.deliveries.update_one(
            {"_id": delivery_id, "status": Status.PENDING.value}, {"$set": {"lease_until_ms": 0, "error": error}}
        )

    async def finish(self, delivery_id: str, status: Status, *, error: str | None = None) -> Document | None:
        """Move a pending delivery to sent or failed; None when it was finished already."""
        changes: dict[str, Any] = {"status": status.value, "error": error, "lease_until_ms": 0}
        if status is Status.SENT:
            changes["sent_at"] = datetime.now(UTC)
        found = await self.deliveries.find_one_and_update(
            {"_id": delivery_id, "status": Status.PENDING.value}, {"$set": changes}, return_document=ReturnDocument.AFTER
        )
        return restore_datetimes(found, TIME_FIELDS)

    async def deliveries_of(self, recipient_id: str, district: str | None) -> list[Document]:
        """The recipient's deliveries, oldest first; with ``district``, only that district's records."""
        query: dict[str, Any] = {"recipient_id": recipient_id}
        if district is not None:
            query["district"] = district
        rows = await self.deliveries.find(query).sort("created_at", ASCENDING).to_list()
        return [r for r in rows if restore_datetimes(r, TIME_FIELDS)]
