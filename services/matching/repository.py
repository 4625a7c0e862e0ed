"""Matching's own collections (PyMongo async): programs, participants, runs, proposals, relationships."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document, insert_once, restore_datetimes

TIME_FIELDS = ("decided_at", "ended_at", "started_at")


class MatchingRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.programs = db["programs"]
        self.participants = db["participants"]
        self.runs = db["match_runs"]
        self.proposals = db["proposals"]
        self.relationships = db["relationships"]

    async def ensure_indexes(self) -> None:
        await self.participants.create_index([("program_id", ASCENDING), ("participant_id", ASCENDING)], unique=True)
        await self.proposals.create_index([("program_id", ASCENDING), ("status", ASCENDING)])
        await self.relationships.create_index([("program_id", ASCENDING), ("status", ASCENDING)])
        await self.relationships.create_index([("district", ASCENDING), ("mentor_id", ASCENDING)])
        await self.relationships.create_index([("district", ASCENDING), ("mentee_id", ASCENDING)])

    # programs
    async def add_program(self, program: Document) -> None:
        await self.programs.insert_one(program)

    async def programs_of(self, district: str) -> list[Document]:
        return await self.programs.find({"district": district}).sort("created_at", 1).to_list()

    async def program(self, program_id: str) -> Document | None:
        return await self.programs.find_one({"_id": program_id})

    # participants
    async def upsert_participants(self, docs: list[Document]) -> list[str]:
        """Insert new participants, update known ones; returns the ids that were new."""
        new_ids = []
        for doc in docs:
            key = {"program_id": doc["program_id"], "participant_id": doc["participant_id"]}
            profile = {k: v for k, v in doc.items() if k not in ("enrolled_at",)}
            result = await self.participants.update_one(
                key, {"$set": profile, "$setOnInsert": {"enrolled_at": doc["enrolled_at"]}}, upsert=True
            )
            if result.upserted_id is not None:
                new_ids.append(doc["participant_id"])
        return new_ids

    async def participants_of(self, program_id: str, district: str) -> list[Document]:
        query = {"program_id": program_id, "district": district}
        return await self.participants.find(query, {"_id": 0}).sort("participant_id", 1).to_list()

    # runs and proposals
    async def record_run(self, run: Document, proposals: list[Document]) -> None:
        """Store a run; its proposals replace the program's earlier drafts."""
        await self.proposals.update_many({"program_id": run["program_id"], "status": "draft"}, {"$set": {"status": "superseded"}})
        if proposals:
            await self.proposals.insert_many(proposals)
        await self.runs.insert_one(run)

    async def proposals_of(self, program_id: str, district: str, status: str | None) -> list[Document]:
        query: dict[str, Any] = {"program_id": program_id, "district": district}
        if status:
            query["status"] = status
        return await self.proposals.find(query).sort("score", -1).to_list()

    async def proposal(self, proposal_id: str) -> Document | None:
        return restore_datetimes(await self.proposals.find_one({"_id": proposal_id}), TIME_FIELDS)

    async def decide(self, proposal_id: str, status: str, at: datetime) -> Document | None:
        """Move a draft proposal to ``status``; None when it was not a draft any more."""
        decided = await self.proposals.find_one_and_update(
            {"_id": proposal_id, "status": "draft"},
            {"$set": {"status": status, "decided_at": at}},
            return_document=ReturnDocument.AFTER,
        )
        return restore_datetimes(decided, TIME_FIELDS)

    # relationships
    async def engaged_ids(self, program_id: str) -> set[str]:
        """Participants in an active relationship of the program."""
        rows = await self.relationships.find({"program_id": program_id, "status": "active"}).to_list()
        return {r["mentor_id"] for r in rows} | {r["mentee_id"] for r in rows}

    async def add_relationship(self, relationship: Document) -> bool:
        return await insert_once(self.relationships, relationship)

    async def relationship(self, relationship_id: str) -> Document | None:
        return restore_datetimes(await self.relationships.find_one({"_id": relationship_id}), TIME_FIELDS)

    async def relationships_of(self, program_id: str, district: str) -> list[Document]:
        query = {"program_id": program_id, "district": district}
        rows = await self.relationships.find(query).sort("started_at", 1).to_list()
        return [r for r in rows if restore_datetimes(r, TIME_FIELDS)]

    async def relationships_with(self, district: str, participant_id: str) -> list[Document]:
        """The relationships a teacher of ``district`` is in, as mentor or as mentee (two queries: no ``$or``)."""
        rows = []
        for side in ("mentor_id", "mentee_id"):
            rows += await self.relationships.find({"district": district, side: participant_id}).to_list()
        rows = [restore_datetimes(r, TIME_FIELDS) for r in rows]
        return sorted({r["_id"]: r for r in rows}.values(), key=lambda r: (r["started_at"], r["_id"]))

    async def end_relationship(self, relationship_id: str, reason: str, at: datetime) -> Document | None:
        ended = await self.relationships.find_one_and_update(
            {"_id": relationship_id, "status": "active"},
            {"$set": {"status": "ended", "end_reason": reason, "ended_at": at}},
            return_document=ReturnDocument.AFTER,
        )
        return restore_datetimes(ended, TIME_FIELDS)
