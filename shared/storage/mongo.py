"""``AsyncMongoClient`` from ``MONGODB_URL``; one database per service; insert-once for idempotency."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]


def make_client(url: str) -> AsyncMongoClient[Document]:
    """Timezone-aware client; fails fast when the store is unreachable instead of hanging a request."""
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000, connectTimeoutMS=3000)


async def insert_once(collection: AsyncCollection[Document], doc: Document) -> bool:
    """Insert ``doc`` unless its ``_id`` (or another unique key) exists; True when inserted."""
    try:
        await collection.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def ping(client: AsyncMongoClient[Document]) -> None:
    await client.admin.command("ping")
