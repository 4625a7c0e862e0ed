"""The read model (PyMongo async): one collection per projected aggregate, the cells, and the bookkeeping.

Entity documents are written in bulk with optimistic versions (``v``): a replace names the version it
read, an insert fails on an existing id, and whatever another writer changed in between is reported as
a conflict for the caller to merge again. Figures come from the row counts (``counts``) through the
cells; the school breakdown reads the district's documents through ``$group`` on their key fields.
Bookkeeping: dirty marks (with writers' in-flight batch notes), envelopes consumed by type.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from pymongo import ASCENDING, DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from shared.storage.mongo import Document, restore_datetimes

from .cells import Cell, Series
from .counts import RowCounts
from .domain import COLLECTIONS
from .rows import Row
from .schools import DistrictRows

DUPLICATE: Final = 11000
IN_FLIGHT: Final = "in_flight:"  # prefix of a writer's batch note among the dirty marks (program ids have no colon)
Write = tuple[Document | None, Document]  # (as read, to store)


class ReadModel:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self.processed = db["processed_events"]  # envelopes of unknown types only
        self.consumed = db["consumed_by_type"]
        self.dirty = db["dirty_programs"]
        self.cells = db["cells"]
        self.series = db["series"]
        self.counts = RowCounts(db)

    async def ensure_indexes(self) -> None:
        for name in COLLECTIONS:
            await self.db[name].create_index([("program_id", ASCENDING)])
            await self.db[name].create_index([("district", ASCENDING)])
        await self.dirty.create_index([("dirty", ASCENDING)])
        await self.cells.create_index([("kind", ASCENDING), ("district", ASCENDING)])
        await self.counts.ensure_indexes()

    # ---- entities ---------------------------------------------------------------------------------------

    async def load(self, collection: str, keys: Iterable[str]) -> dict[str, Document]:
        docs = await self.db[collection].find({"_id": {"$in": list(keys)}}).to_list()
        return {str(d["_id"]): d for d in docs}

    async def store(self, collection: str, writes: list[Write]) -> tuple[set[str], list[Document]]:
        """Write each document unless another writer changed it since it was read.

        Returns the ids that conflicted, and the documents as stored (with their version ``v`` and write token ``w``).
        After a failed bulk, a document is ours only if it holds our token.
        """
        if not writes:
            return set(), []
        token = uuid.uuid4().hex
        ops: list[Any] = []
        stored_docs = []
        for before, after in writes:
            doc = {**after, "v": 1 if before is None else before["v"] + 1, "w": token}
            stored_docs.append(doc)
            ops.append(InsertOne(doc) if before is None else ReplaceOne({"_id": after["_id"], "v": before["v"]}, doc))
        try:
            result = await self.db[collection].bulk_write(ops, ordered=False)
            clean = result.matched_count == sum(1 for before, _ in writes if before is not None)
        except BulkWriteError as exc:
            if any(e.get("code") != DUPLICATE for e in exc.details.get("writeErrors", [])):
                raise
            clean = False
        if clean:
            return set(), stored_docs
        stored = await self.load(collection, [after["_id"] for _, after in writes])
        conflicts = {after["_id"] for _, after in writes if stored.get(after["_id"], {}).get("w") != token}
        return conflicts, [d for d in stored_docs if d["_id"] not in conflicts]

    async def record_unknown(self, envelopes: list[tuple[str, str, str]]) -> list[str]:
        """Remember envelopes of types the catalogue does not know (id, type label, district); returns the type labels of
        those seen for the first time. (A known event is remembered by its own document, see ``domain.project``.)"""
        now = datetime.now(UTC)
        docs = [{"_id": i, "type": t, "district": d, "at": now} for i, t, d in dict.fromkeys(envelopes)]
        if not docs:
            return []
        try:
            await self.processed.insert_many(docs, ordered=False)
            return [str(d["type"]) for d in docs]
        except BulkWriteError as exc:
            failed = {e["index"] for e in exc.details.get("writeErrors", []) if e.get("code") == DUPLICATE}
            if len(failed) < len(exc.details.get("writeErrors", [])):
                raise
            return [str(d["type"]) for i, d in enumerate(docs) if i not in failed]

    async def count_consumed(self, by_type: Mapping[str, int]) -> None:
        """Add envelopes seen for the first time, by type label."""
        ops = [UpdateOne({"_id": label}, {"$inc": {"n": n}}, upsert=True) for label, n in by_type.items() if n]
        if ops:
            await self.consumed.bulk_write(ops, ordered=False)

    async def consumed_by_type(self) -> dict[str, int]:
        return {str(d["_id"]): int(d["n"]) for d in await self.consumed.find({}).to_list()}

    # ---- dirty programs ---------------------------------------------------------------------------------

    async def begin(self, writer: str, programs: Mapping[str, str]) -> None:
        """Note that ``writer`` is about to change the programs' documents before their row counts."""
        doc = {"_id": f"{IN_FLIGHT}{writer}", "kind": "in_flight", "programs": dict(programs), "at": datetime.now(UTC)}
        await self.dirty.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    async def mark_dirty(self, programs: Mapping[str, str], writer: str | None = None) -> None:
        """The programs (id -> district) changed, counts included: bump each version (a running recompute keeps it
        dirty); ``writer``'s batch is over (one bulk write)."""
        ops: list[Any] = [
            UpdateOne({"_id": p}, {"$inc": {"v": 1}, "$set": {"dirty": True, "district": d}}, upsert=True)
            for p, d in programs.items()
        ]
        if writer:
            ops.append(DeleteOne({"_id": f"{IN_FLIGHT}{writer}"}))
        if ops:
            await self.dirty.bulk_write(ops, ordered=False)

    async def unsettled(self, older_than: float) -> dict[str, dict[str, str]]:
        """Batches begun more than ``older_than`` seconds ago and never finished (their writer died): id -> programs."""
        cutoff = datetime.now(UTC).timestamp() - older_than
        docs = await self.dirty.find({"kind": "in_flight"}).to_list()
        return {str(d["_id"]): d["programs"] for d in docs if restore_datetimes(d, ("at",))["at"].timestamp() <= cutoff}

    async def forget(self, batch_ids: Iterable[str]) -> None:
        ops = [DeleteOne({"_id": i}) for i in batch_ids]
        if ops:
            await self.dirty.bulk_write(ops, ordered=False)

    async def dirty_programs(self, limit: int, after: str = "") -> list[Document]:
        """Up to ``limit`` dirty programs, in id order, after the id ``after``."""
        return await self.dirty.find({"dirty": True, "_id": {"$gt": after}}).sort("_id", 1).to_list(limit)

    async def mark_versions(self, programs: list[str]) -> dict[str, int]:
        """The current version of each program's dirty mark (programs never marked are left out)."""
        docs = await self.dirty.find({"_id": {"$in": programs}}, {"v": 1}).to_list()
        return {str(d["_id"]): int(d["v"]) for d in docs}

    async def mark_clean(self, done: Iterable[Document]) -> None:
        """Clear each mark unless the program changed again since it was read."""
        ops = [UpdateOne({"_id": d["_id"], "v": d["v"]}, {"$set": {"dirty": False}}) for d in done]
        if ops:
            await self.dirty.bulk_write(ops, ordered=False)

    async def count_dirty(self) -> int:
        return len(await self.dirty.find({"dirty": True}, {"_id": 1}).to_list())

    # ---- rows for cells -------------------------------------------------------------------------------------

    async def district_rows(self, district: str) -> DistrictRows:
        match = {"district": district}
        return DistrictRows(
            participants=await self.db["participants"].find(match, {"school": 1, "program_id": 1, "g": 1}).to_list(),
            relationships=await self.db["relationships"].find(match, {"program_id": 1, "mentee_id": 1, "g": 1}).to_list(),
            statuses=await self.db["statuses"]
            .find(match, {"program_id": 1, "participant_id": 1, "term": 1, "status": 1})
            .to_list(),
            meetings=await self._group(self.db["meetings"], match, "gr", ("minutes",), week="week"),
            surveys=await self._group(self.db["surveys"], match, "gr"),
        )

    async def _group(
        self,
        collection: AsyncCollection[Document],
        match: Document,
        key: str,
        sums: tuple[str, ...] = (),
        week: str | None = None,
    ) -> list[Row]:
        accumulators: Document = {"n": {"$sum": 1}, **{s: {"$sum": f"${s}"} for s in sums}}
        if week:
            accumulators |= {"low": {"$min": f"${week}"}, "high": {"$max": f"${week}"}}
        cursor = await collection.aggregate([{"$match": match}, {"$group": {"_id": f"${key}", **accumulators}}])
        rows = []
        for doc in await cursor.to_list():
            if doc["_id"] is None:
                continue
            sums_of = {s: int(doc.get(s) or 0) for s in sums}
            rows.append(Row(str(doc["_id"]), int(doc["n"]), sums_of, doc.get("low") or None, doc.get("high") or None))
        return rows

    # ---- cells ----------------------------------------------------------------------------------------------

    async def save_cells(self, cells: list[tuple[str, str, int, Cell, Series]]) -> None:
        """Store each (scope, district, version, cell, series) unless a newer version is stored.

        A program's (``program:<id>``) weekly series is kept in its cell's document (one write); a district's
        (``district:<id>``) apart, so that the state summary reads small documents.
        """
        writes: dict[str, list[ReplaceOne]] = {"cells": [], "series": []}  # type: ignore[type-arg]
        for scope, district, version, cell, series in cells:
            kind = scope.split(":", 1)[0]
            head = {"_id": scope, "kind": kind, "district": district, "v": version}
            body = cell.to_doc() | ({"weeks": series} if kind == "program" else {})
            writes["cells"].append(ReplaceOne({"_id": scope, "v": {"$lt": version}}, {**head, **body}, upsert=True))
            if kind != "program":
                writes["series"].append(ReplaceOne({"_id": scope, "v": {"$lt": version}}, {**head, "weeks": series}, upsert=True))
        for name, ops in writes.items():
            if not ops:
                continue
            try:
                await self.db[name].bulk_write(ops, ordered=False)
            except BulkWriteError as exc:  # a newer (or the same) version is stored already: keep it
                if any(e.get("code") != DUPLICATE for e in exc.details.get("writeErrors", [])):
                    raise

    async def cell(self, scope: str) -> Cell | None:
        doc = await self.cells.find_one({"_id": scope})
        return None if doc is None else Cell.from_doc(doc)

    async def cells_of(self, kind: str, districts: list[str] | None = None) -> list[tuple[str, str, int, Cell]]:
        """(id, district, version, cell) of the program cells of some districts, or of every district cell."""
        match: Document = {"kind": kind} | ({"district": {"$in": districts}} if districts is not None else {})
        docs = await self.cells.find(match).sort("_id", 1).to_list()
        return [(str(d["_id"]).split(":", 1)[1], str(d["district"]), int(d["v"]), Cell.from_doc(d)) for d in docs]

    async def program_parts(self, districts: list[str]) -> list[tuple[str, int, Cell, Series]]:
        """(district, version, cell, weekly series) of every program of the districts."""
        docs = await self.cells.find({"kind": "program", "district": {"$in": districts}}).to_list()
        return [(str(d["district"]), int(d["v"]), Cell.from_doc(d), d.get("weeks") or {}) for d in docs]

    async def series_of(self, scopes: list[str]) -> list[Series]:
        """The weekly series of ``program:<id>`` and ``district:<id>`` scopes."""
        programs = [s for s in scopes if s.startswith("program:")]
        found = await self.cells.find({"_id": {"$in": programs}}, {"weeks": 1}).to_list() if programs else []
        others = [s for s in scopes if not s.startswith("program:")]
        found += await self.series.find({"_id": {"$in": others}}).to_list() if others else []
        return [doc.get("weeks") or {} for doc in found]

    # ---- programs -------------------------------------------------------------------------------------------

    async def program_district(self, program_id: str) -> str | None:
        program = await self.db["programs"].find_one({"_id": program_id})
        return None if program is None else str(program["district"])

    async def programs_of(self, district: str) -> list[str]:
        return sorted(str(p["_id"]) for p in await self.db["programs"].find({"district": district}, {"_id": 1}).to_list())

    async def districts(self) -> list[str]:
        return sorted(row.key for row in await self._group(self.db["programs"], {}, "district"))
