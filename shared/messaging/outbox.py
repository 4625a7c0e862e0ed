"""Transactional outbox: an event is stored with the change that caused it, then published.

``emit`` stores the events (duplicate ids are ignored, so a retried handler re-emits nothing new),
publishes them with their id as ``Nats-Msg-Id`` and marks them published. If the process dies in
between, the relay loop publishes what is left; JetStream's duplicate window and the consumers'
idempotency absorb the rare double publish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from shared.contracts.envelope import CloudEvent

log = logging.getLogger(__name__)
DUPLICATE_KEY = 11000


class Outbox:
    def __init__(self, collection: AsyncCollection[dict[str, Any]], publishers: dict[str, Any]) -> None:
        self.collection = collection
        self.publishers = publishers
        self._relay: asyncio.Task[None] | None = None

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("published", 1), ("created_at", 1)])

    async def emit(self, events: Sequence[CloudEvent[Any]]) -> None:
        """Store then publish ``events``; idempotent for events with derived ids."""
        if not events:
            return
        docs = [
            {
                "_id": e.id,
                "type": e.type,
                "subject": e.nats_subject,
                "body": e.model_dump(mode="json"),
                "created_at": datetime.now(UTC),
                "published": False,
            }
            for e in events
        ]
        try:
            await self.collection.insert_many(docs, ordered=False)
            pending = docs
        except BulkWriteError as exc:
            if any(err.get("code") != DUPLICATE_KEY for err in exc.details.get("writeErrors", [])):
                raise
            # Some were stored before (a retried handler): publish only those not published yet.
            pending = await self.collection.find({"_id": {"$in": [d["_id"] for d in docs]}, "published": False}).to_list()
        await self._publish(pending)

    async def _publish(self, docs: list[dict[str, Any]]) -> None:
        for doc in docs:
            publisher = self.publishers[doc["type"]]
            await publisher.publish(doc["body"], subject=doc["subject"], headers={"Nats-Msg-Id": doc["_id"]})
        if docs:
            await self.collection.update_many({"_id": {"$in": [d["_id"] for d in docs]}}, {"$set": {"published": True}})

    async def relay_once(self, older_than: timedelta) -> int:
        """Publish events left unpublished by a process that died; returns how many."""
        cutoff = datetime.now(UTC) - older_than
        # The age is checked here, not in the query: nx-27017 compares datetimes at whole seconds.
        pending = await self.collection.find({"published": False}).sort("created_at", 1).to_list(500)
        stale = [doc for doc in pending if doc["created_at"] <= cutoff]
        await self._publish(stale)
        return len(stale)

    def start_relay(self, every_seconds: float) -> None:
        self._relay = asyncio.create_task(self._relay_loop(every_seconds))

    async def stop_relay(self) -> None:
        if self._relay:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
            self._relay = None

    async def _relay_loop(self, every_seconds: float) -> None:
        while True:
            try:
                if sent := await self.relay_once(timedelta(seconds=every_seconds)):
                    log.info("outbox relay published %d left-over event(s)", sent)
            except Exception:
                log.exception("outbox relay failed; will retry")
            await asyncio.sleep(every_seconds)
