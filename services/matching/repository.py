"""Matching's own collections (PyMongo async): programs, participants, runs, proposals, relationships.

nx-27017 and MongoDB differ on a few things (see INFRA.md and README): no ``$or`` here, datetimes written by
``$set`` are read back through ``_read``, and time comparisons are done in Python.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document, insert_once, restore_bools, restore_datetimes

from .problem import OPEN_STATUSES

TIME_FIELDS = (
    "decided_at",
    "ended_at",
    "started_at",
    "claimed_at",
    "finished_at",
    "requested_at",
    "flagged_at",
    "edited_at",
    "left_at",
)
BOOL_FIELDS = ("trained", "proven_optimal", "superseded", "virtual", "edited")


def _read(doc: Document) -> Document:
    """A document as the services expect it on either store (see ``restore_datetimes`` and ``restore_bools``)."""
    return restore_bools(restore_datetimes(doc, TIME_FIELDS), BOOL_FIELDS)


def _maybe(doc: Document | None) -> Document | None:
    return None if doc is None else _read(doc)


class MatchingRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.programs = db["programs"]
        self.participants = db["participants"]
        self.runs = db["match_runs"]
        self.proposals = db["proposals"]
        self.relationships = db["relationships"]

    async def ensure_indexes(self) -> None:
        await self.participants.create_index([("program_id", ASCENDING), ("participant_id", ASCENDING)], unique=True)
        await self.participants.create_index([("district", ASCENDING), ("participant_id", ASCENDING)])
        await self.proposals.create_index([("program_id", ASCENDING), ("status", ASCENDING)])
        await self.proposals.create_index([("run_id", ASCENDING), ("status", ASCENDING)])
        await self.proposals.create_index([("district", ASCENDING), ("mentor_id", ASCENDING)])
        await self.proposals.create_index([("district", ASCENDING), ("mentee_id", ASCENDING)])
        await self.runs.create_index([("program_id", ASCENDING)])
        await self.relationships.create_index([("program_id", ASCENDING), ("status", ASCENDING)])
        await self.relationships.create_index([("district", ASCENDING), ("mentor_id", ASCENDING)])
        await self.relationships.create_index([("district", ASCENDING), ("mentee_id", ASCENDING)])

    # programs
    async def add_program(self, program: Document) -> None:
        await self.programs.insert_one(program)

    async def programs_of(self, district: str) -> list[Document]:
        return await self.programs.find({"district": district}).sort("created_at", 1).to_list()

    async def all_programs(self) -> list[Document]:
        return await self.programs.find({}).to_list()

    async def program(self, program_id: str) -> Document | None:
        return await self.programs.find_one({"_id": program_id})

    async def set_program_fields(self, program_id: str, fields: Document) -> Document | None:
        return await self.programs.find_one_and_update(
            {"_id": program_id}, {"$set": fields}, return_document=ReturnDocument.AFTER
        )

    # participants
    async def upsert_participants(self, docs: list[Document]) -> list[str]:
        """Insert new participants, update the given fields of known ones; returns the ids that were new.

        An insert carries ``enrolled_at``; an update never touches it (so no ``$setOnInsert``, which nx ignores).
        """
        new_ids = []
        for doc in docs:
            if await insert_once(self.participants, {"_id": f"{doc['program_id']}:{doc['participant_id']}", **doc}):
                new_ids.append(doc["participant_id"])
                continue
            key = {"program_id": doc["program_id"], "participant_id": doc["participant_id"]}
            await self.participants.update_one(key, {"$set": {k: v for k, v in doc.items() if k != "enrolled_at"}})
        return new_ids

    async def participants_of(self, program_id: str, district: str) -> list[Document]:
        query = {"program_id": program_id, "district": district}
        rows = await self.participants.find(query, {"_id": 0}).sort("participant_id", 1).to_list()
        return [_read(r) for r in rows]

    async def participant(self, program_id: str, participant_id: str) -> Document | None:
        doc = await self.participants.find_one({"program_id": program_id, "participant_id": participant_id}, {"_id": 0})
        return _maybe(doc)

    async def participations(self, district: str, participant_id: str) -> list[Document]:
        """A teacher's participant records, one per program they are in."""
        rows = await self.participants.find({"district": district, "participant_id": participant_id}, {"_id": 0}).to_list()
        return sorted(rows, key=lambda r: r["program_id"])

    async def set_teaching_status(self, program_id: str, participant_id: str, term: str, status: str) -> None:
        key = {"program_id": program_id, "participant_id": participant_id}
        await self.participants.update_one(key, {"$set": {f"teaching_status.{term}": status}})

    async def mark_left(self, program_id: str, participant_id: str, at: datetime) -> None:
        """The teacher left the program (a relationship ended because they left): no more proposals for them."""
        await self.participants.update_one(
            {"program_id": program_id, "participant_id": participant_id}, {"$set": {"left_at": at}}
        )

    async def flag_participant(self, program_id: str, participant_id: str, at: datetime) -> bool:
        """Mark a mentee flagged by the induction timer; False when another replica did it first."""
        result = await self.participants.update_one(
            {"program_id": program_id, "participant_id": participant_id, "flagged_at": None}, {"$set": {"flagged_at": at}}
        )
        return result.modified_count == 1

    # runs
    async def add_run(self, run: Document) -> bool:
        """False when a run with this id exists already (a retried request)."""
        return await insert_once(self.runs, run)

    async def unfinished_runs(self) -> list[Document]:
        rows = await self.runs.find({"status": {"$in": ["queued", "running"]}}, {"unmatched": 0, "incomplete": 0}).to_list()
        return [_read(r) for r in rows]

    async def run(self, run_id: str) -> Document | None:
        return _maybe(await self.runs.find_one({"_id": run_id}))

    async def runs_of(self, program_id: str) -> list[Document]:
        rows = await self.runs.find({"program_id": program_id}, {"unmatched": 0, "incomplete": 0}).to_list()
        return sorted((_read(r) for r in rows), key=lambda r: (r["requested_at"], r["_id"]))

    async def claim_run(self, run_id: str, replica: str, at: datetime) -> Document | None:
        """Record that ``replica`` works on the run (again); None when the run is already done."""
        claimed = await self.runs.find_one_and_update(
            {"_id": run_id, "status": {"$in": ["queued", "running"]}},
            {"$set": {"status": "running", "claimed_by": replica, "claimed_at": at}, "$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return _maybe(claimed)

    async def finish_run(self, run_id: str, status: str, fields: Document) -> bool:
        result = await self.runs.update_one({"_id": run_id, "status": "running"}, {"$set": {"status": status, **fields}})
        return result.modified_count == 1

    # proposals
    async def replace_pending(self, run_id: str, proposals: list[Document]) -> None:
        """A run's proposals, written hidden (``pending``); leftovers of an attempt that crashed are replaced."""
        await self.proposals.delete_many({"run_id": run_id, "status": "pending"})
        if proposals:
            await self.proposals.insert_many(proposals)

    async def publish_pending(self, run_id: str, status: str) -> None:
        await self.proposals.update_many({"run_id": run_id, "status": "pending"}, {"$set": {"status": status}})

    async def supersede_drafts(self, program_id: str, run_ids: list[str]) -> None:
        if run_ids:
            query = {"program_id": program_id, "status": "draft", "run_id": {"$in": run_ids}}
            await self.proposals.update_many(query, {"$set": {"status": "superseded"}})

    async def proposals_of_run(self, run_id: str) -> list[Document]:
        return [_read(p) for p in await self.proposals.find({"run_id": run_id}).sort("_id", 1).to_list()]

    async def open_proposals(self, program_id: str) -> list[Document]:
        return await self.proposals.find({"program_id": program_id, "status": {"$in": list(OPEN_STATUSES)}}).to_list()

    async def proposals_of(self, program_id: str, district: str, status: str | None) -> list[Document]:
        query: dict[str, Any] = {"program_id": program_id, "district": district}
        if status:
            query["status"] = status
        return [_read(p) for p in await self.proposals.find(query).sort("score", -1).to_list()]

    async def requests_with(self, district: str, side: str, participant_id: str) -> list[Document]:
        """Self-directed requests a teacher made (``mentee_id``) or received (``mentor_id``), in any state."""
        rows = await self.proposals.find({"district": district, side: participant_id, "origin": "request"}).to_list()
        return sorted((_read(r) for r in rows), key=lambda r: r["_id"])

    async def add_proposal(self, proposal: Document) -> None:
        await self.proposals.insert_one(proposal)

    async def proposal(self, proposal_id: str) -> Document | None:
        return _maybe(await self.proposals.find_one({"_id": proposal_id}))

    async def decide(self, proposal_id: str, status: str, at: datetime, *, was: str = "draft") -> Document | None:
        """Move a proposal from ``was`` to ``status``; None when it was not in ``was`` any more."""
        decided = await self.proposals.find_one_and_update(
            {"_id": proposal_id, "status": was},
            {"$set": {"status": status, "decided_at": at}},
            return_document=ReturnDocument.AFTER,
        )
        return _maybe(decided)

    async def edit_proposal(self, proposal_id: str, fields: Document) -> Document | None:
        """Change a draft (a coordinator's edit); None when it is not a draft any more."""
        edited = await self.proposals.find_one_and_update(
            {"_id": proposal_id, "status": "draft"}, {"$set": fields}, return_document=ReturnDocument.AFTER
        )
        return _maybe(edited)

    # relationships
    async def relationships_in(self, program_id: str) -> list[Document]:
        return await self.relationships.find({"program_id": program_id}, {"mentor_id": 1, "mentee_id": 1, "status": 1}).to_list()

    async def engaged_ids(self, program_id: str) -> set[str]:
        """Participants in an active relationship of the program."""
        rows = await self.relationships.find({"program_id": program_id, "status": "active"}).to_list()
        return {r["mentor_id"] for r in rows} | {r["mentee_id"] for r in rows}

    async def ever_matched(self, program_id: str) -> set[str]:
        """Mentees that have or had a relationship in the program."""
        rows = await self.relationships.find({"program_id": program_id}, {"mentee_id": 1}).to_list()
        return {r["mentee_id"] for r in rows}

    async def add_relationship(self, relationship: Document) -> bool:
        return await insert_once(self.relationships, relationship)

    async def relationship(self, relationship_id: str) -> Document | None:
        return _maybe(await self.relationships.find_one({"_id": relationship_id}))

    async def relationships_of(self, program_id: str, district: str) -> list[Document]:
        query = {"program_id": program_id, "district": district}
        rows = await self.relationships.find(query).sort("started_at", 1).to_list()
        return [r for r in rows if _read(r)]

    async def relationships_with(self, district: str, participant_id: str) -> list[Document]:
        """The relationships a teacher of ``district`` is in, as mentor or as mentee (two queries: no ``$or``)."""
        rows = []
        for side in ("mentor_id", "mentee_id"):
            rows += await self.relationships.find({"district": district, side: participant_id}).to_list()
        rows = [_read(r) for r in rows]
        return sorted({r["_id"]: r for r in rows}.values(), key=lambda r: (r["started_at"], r["_id"]))

    async def end_relationship(self, relationship_id: str, reason: str, at: datetime) -> Document | None:
        ended = await self.relationships.find_one_and_update(
            {"_id": relationship_id, "status": "active"},
            {"$set": {"status": "ended", "end_reason": reason, "ended_at": at}},
            return_document=ReturnDocument.AFTER,
        )
        return _maybe(ended)
