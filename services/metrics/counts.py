"""Row counts: per program, how many documents have each key ``g`` (with their sums), kept current write by write.

A figure recompute reads these rows (as many as a program has distinct keys) instead of counting the
program's documents again, so its cost does not grow with the program's history. Each stored document
write moves one count from its old key to its new one. A count update that may not have landed (the
process died, or the update failed, between the documents and their counts) leaves the program
*unsettled*: its rows are then counted again from its documents (``reconcile``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ASCENDING, InsertOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document

from .derived import SUMS
from .rows import Row

GROUPED = ("participants", "relationships", "meetings", "surveys", "anonymous", "statuses", "notifications", "proposals")
# Sums are top-level ``s_<name>`` fields: nx-27017 turns an upsert's ``$inc`` of a dotted path into a literal dotted key.
Delta = dict[tuple[str, str], Row]  # (collection, key) -> the change of its count and sums


def delta(collection: str, before: Mapping[str, Any] | None, after: Mapping[str, Any], into: Delta) -> None:
    """Move one document's count from its key before the write to its key after it."""
    if collection not in GROUPED:
        return
    for doc, sign in ((before, -1), (after, 1)):
        if doc is None:
            continue
        row = into.setdefault((collection, doc["g"]), Row(doc["g"], sums=dict.fromkeys(SUMS.get(collection, ()), 0)))
        row.n += sign
        for name in row.sums:
            row.sums[name] += sign * int(doc.get(name) or 0)


class RowCounts:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self.collection = db["row_counts"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("program_id", ASCENDING)])

    async def add(self, changes: Delta) -> None:
        """Apply count changes (one bulk write)."""
        ops = []
        for (collection, key), row in changes.items():
            if row.n or any(row.sums.values()):
                ident = {"collection": collection, "g": key, "program_id": key.split("|", 1)[0]}
                increments = {"n": row.n, **{f"s_{k}": v for k, v in row.sums.items()}}
                ops.append(UpdateOne({"_id": f"{collection}|{key}"}, {"$set": ident, "$inc": increments}, upsert=True))
        if ops:
            await self.collection.bulk_write(ops, ordered=False)

    async def rows(self, programs: list[str]) -> dict[str, list[Row]]:
        """The programs' rows by collection (keys no document has any more are left out)."""
        out: dict[str, list[Row]] = defaultdict(list)
        for doc in await self.collection.find({"program_id": {"$in": programs}, "n": {"$gt": 0}}).to_list():
            sums = {k: int(doc.get(f"s_{k}") or 0) for k in SUMS.get(doc["collection"], ())}
            out[doc["collection"]].append(Row(doc["g"], int(doc["n"]), sums))
        return out

    async def counted(self, programs: list[str] | None) -> dict[str, list[Row]]:
        """The same rows counted from the documents themselves (``$group``), for some programs or all."""
        match: Document = {} if programs is None else {"program_id": {"$in": programs}}
        out = {}
        for name in GROUPED:
            accumulators = {"n": {"$sum": 1}, **{s: {"$sum": f"${s}"} for s in SUMS.get(name, ())}}
            cursor = await self.db[name].aggregate([{"$match": match}, {"$group": {"_id": "$g", **accumulators}}])
            out[name] = [
                Row(str(d["_id"]), int(d["n"]), {s: int(d.get(s) or 0) for s in SUMS.get(name, ())})
                for d in await cursor.to_list()
                if d["_id"] is not None
            ]
        return out

    async def reconcile(self, programs: Iterable[str]) -> None:
        """Count the programs' rows again from their documents (run where no write to them is under way)."""
        names = list(programs)
        if not names:
            return
        counted = await self.counted(names)
        await self.collection.delete_many({"program_id": {"$in": names}})
        docs = [
            {
                "_id": f"{collection}|{row.key}",
                "collection": collection,
                "g": row.key,
                "program_id": row.key.split("|", 1)[0],
                "n": row.n,
                **{f"s_{k}": v for k, v in row.sums.items()},
            }
            for collection, rows in counted.items()
            for row in rows
        ]
        if docs:
            await self.collection.bulk_write([InsertOne(d) for d in docs], ordered=False)
