"""``AsyncMongoClient`` from ``MONGODB_URL``; one database per service; insert-once for idempotency."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

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


@overload
def restore_datetimes(doc: Document, fields: tuple[str, ...]) -> Document: ...
@overload
def restore_datetimes(doc: None, fields: tuple[str, ...]) -> None: ...
def restore_datetimes(doc: Document | None, fields: tuple[str, ...]) -> Document | None:
    """Give ``fields`` back as UTC datetimes.

    nx-27017 stores a top-level datetime written with ``$set`` as a naive ISO string (inserts keep
    the type); real MongoDB returns a datetime. Repositories pass what they read through this, so
    the services behave the same on both.
    """
    if doc is None:
        return None
    for key in fields:
        value = doc.get(key)
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value is not None:
            doc[key] = value
    return doc


def restore_bools(doc: Document, fields: tuple[str, ...]) -> Document:
    """Give ``fields`` back as booleans: nx-27017 returns a top-level boolean written with ``$set`` as 0 or 1."""
    for key in fields:
        value = doc.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            doc[key] = bool(value)
    return doc
