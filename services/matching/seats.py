"""Reservations that make concurrent decisions safe: seats for people and mentors, and one run per program at a time.

Each guard is a document with a unique ``_id`` inserted once (``insert_once``), which both nx-27017 and MongoDB make
atomic without transactions:

- ``person:<program>:<participant>`` — a mentee (or a peer) is in at most one active relationship of a program;
- ``mentor:<program>:<mentor>:<i>`` — a mentor holds at most ``capacity`` relationships (slots 0..capacity-1);
- ``request:<program>:<mentee>`` — a mentee has at most one open self-directed request.

A seat names its ``holder`` (the proposal); taking a seat one already holds succeeds again, so retries are safe, and
``release(holder)`` frees every seat of a proposal (rejected, declined, withdrawn, or its relationship ended).

The run lease: one document per program, taken by compare-and-swap on its ``version`` (which only grows), refreshed
while the run works and expiring after ``ttl`` when the replica died, so the next replica takes over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document, insert_once, restore_datetimes


class Seats:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.seats = db["seats"]
        self.leases = db["run_leases"]

    async def ensure_indexes(self) -> None:
        await self.seats.create_index("holder")

    async def take(self, kind: str, program_id: str, participant_id: str, holder: str) -> bool:
        """The one seat of kind ``person`` or ``request``; True when ``holder`` has it now."""
        return await self._take(f"{kind}:{program_id}:{participant_id}", kind, holder)

    async def take_mentor(self, program_id: str, mentor_id: str, capacity: int, holder: str) -> bool:
        """One of the mentor's ``capacity`` slots; True when ``holder`` has one now."""
        mine = await self.seats.find_one({"holder": holder, "kind": "mentor"})
        if mine is not None:
            return True
        for slot in range(capacity):
            if await self._take(f"mentor:{program_id}:{mentor_id}:{slot}", "mentor", holder):
                return True
        return False

    async def _take(self, key: str, kind: str, holder: str) -> bool:
        if await insert_once(self.seats, {"_id": key, "kind": kind, "holder": holder}):
            return True
        current = await self.seats.find_one({"_id": key})
        return current is not None and current["holder"] == holder

    async def release(self, holder: str, kind: str | None = None) -> None:
        query = {"holder": holder} if kind is None else {"holder": holder, "kind": kind}
        await self.seats.delete_many(query)

    # the run lease
    async def lease(self, program_id: str, run_id: str, now: datetime, ttl: timedelta) -> int | None:
        """Take (or keep) the program's run lease for ``run_id``; its version, or None while another run holds it."""
        if await insert_once(self.leases, {"_id": program_id, "run_id": run_id, "until": now + ttl, "version": 1}):
            return 1
        current = restore_datetimes(await self.leases.find_one({"_id": program_id}), ("until",))
        if current is None:
            return None
        if current["run_id"] == run_id:
            await self.leases.update_one({"_id": program_id, "run_id": run_id}, {"$set": {"until": now + ttl}})
            return int(current["version"])
        if current["run_id"] is not None and current["until"] > now:
            return None
        taken = await self.leases.find_one_and_update(
            {"_id": program_id, "version": current["version"]},
            {"$set": {"run_id": run_id, "until": now + ttl}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return None if taken is None else int(taken["version"])

    async def unlease(self, program_id: str, run_id: str) -> None:
        await self.leases.update_one({"_id": program_id, "run_id": run_id}, {"$set": {"run_id": None}})
