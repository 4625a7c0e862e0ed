"""The read model's schema version: a database built by a version whose documents mean something else is rebuilt,
never read or written as if it were current.

Version 1 (no marker) kept a record per envelope and no row counts; version 2 keeps row counts per program,
which its figures come from. A new database gets the current marker on first start. The service refuses to
start on an older one and says how to rebuild it (``python -m services.metrics rebuild``); ``make run``
rebuilds its own local one in place (``devstack``).
"""

from __future__ import annotations

from typing import Final

from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document

from .domain import COLLECTIONS

SCHEMA_VERSION: Final = 2
MARKER: Final = "read_model"


class StaleReadModelError(RuntimeError):
    pass


async def stored_version(db: AsyncDatabase[Document]) -> int | None:
    """The version the database was built with; None for a database with no read model yet."""
    marker = await db["schema"].find_one({"_id": MARKER})
    if marker is not None:
        return int(marker["version"])
    for name in COLLECTIONS:
        if await db[name].find_one({}, {"_id": 1}) is not None:
            return 1  # documents written before versions were marked
    return None


async def ensure(db: AsyncDatabase[Document]) -> None:
    """Mark a new database with the current version; raise on a database built by another version."""
    version = await stored_version(db)
    if version is None:
        await db["schema"].replace_one({"_id": MARKER}, {"_id": MARKER, "version": SCHEMA_VERSION}, upsert=True)
        return
    if version != SCHEMA_VERSION:
        raise StaleReadModelError(
            f"the read model in database {db.name} has schema version {version}; this service writes version "
            f"{SCHEMA_VERSION}. Stop the metrics service, run `python -m services.metrics rebuild --database "
            f"{db.name}_v{SCHEMA_VERSION}`, set METRICS_DATABASE={db.name}_v{SCHEMA_VERSION} and start it again"
        )
