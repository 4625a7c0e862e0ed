"""The collections of anonymous campaigns (PyMongo async). The layout is the anonymity design (see ``anonymity``):

- ``campaigns``: one program-wide survey campaign (who launched it is in the audit log, not here);
- ``responded``: ``{_id, campaign_id, respondent_id}``, who has answered: stops double answers; no answer, no time;
- ``anonymous_inbox``: per campaign, the answers not released yet, in content order, with a version for
  optimistic concurrency;
- ``anonymous_answers``: released answers, no respondent, no survey, no time; inserted in content order.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.envelope import derived_id
from shared.storage.mongo import Document, insert_once, restore_datetimes

from .anonymity import Entry

CAMPAIGN_TIMES = ("issued_at", "due_at")


class AnonymousStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.campaigns = db["campaigns"]
        self.responded = db["responded"]
        self.inbox = db["anonymous_inbox"]
        self.answers = db["anonymous_answers"]

    async def ensure_indexes(self) -> None:
        await self.campaigns.create_index([("program_id", ASCENDING)])
        await self.responded.create_index([("campaign_id", ASCENDING)])
        await self.inbox.create_index([("pending", ASCENDING)])
        await self.answers.create_index([("campaign_id", ASCENDING)])
        await self.answers.create_index([("program_id", ASCENDING)])

    async def add_campaign(self, campaign: Document) -> bool:
        """Store a campaign and its empty inbox; False when a campaign with that id exists (a concurrent launch)."""
        if not await insert_once(self.campaigns, campaign):
            return False
        empty = {"_id": campaign["_id"], "version": 0, "batches": 0, "pending": 0, "answers": []}
        await insert_once(self.inbox, empty)
        return True

    async def campaign(self, campaign_id: str) -> Document | None:
        found = await self.campaigns.find_one({"_id": campaign_id})
        return restore_datetimes(found, CAMPAIGN_TIMES) if found else None

    async def campaigns_of(self, program_id: str) -> list[Document]:
        rows = await self.campaigns.find({"program_id": program_id}).sort("number", ASCENDING).to_list()
        return [restore_datetimes(r, CAMPAIGN_TIMES) for r in rows]

    async def claim(self, campaign_id: str, respondent_id: str) -> bool:
        """Record that ``respondent_id`` answered; False when they had already (the only guard against double answers)."""
        key = derived_id("responded", campaign_id, respondent_id)
        return await insert_once(self.responded, {"_id": key, "campaign_id": campaign_id, "respondent_id": respondent_id})

    async def unclaim(self, campaign_id: str, respondent_id: str) -> None:
        """Undo a claim whose answer could not be stored, so the respondent may try again."""
        await self.responded.delete_one({"_id": derived_id("responded", campaign_id, respondent_id)})

    async def pending(self, campaign_id: str) -> Document | None:
        return await self.inbox.find_one({"_id": campaign_id})

    async def replace_pending(self, campaign_id: str, version: int, answers: list[Entry], batches: int) -> bool:
        """Replace the inbox's list if nobody changed it since ``version`` was read; False otherwise."""
        change = {"answers": answers, "pending": len(answers), "version": version + 1, "batches": batches}
        result = await self.inbox.update_one({"_id": campaign_id, "version": version}, {"$set": change})
        return result.modified_count == 1

    async def full_inboxes(self, k: int) -> list[Document]:
        """Inboxes holding at least ``k`` unreleased answers."""
        return await self.inbox.find({"pending": {"$gte": k}}).to_list()

    async def store_answers(self, docs: list[Document]) -> None:
        """Insert released answers in the order given, skipping any a crashed release already stored."""
        there = {d["_id"] for d in await self.answers.find({"_id": {"$in": [d["_id"] for d in docs]}}, {"_id": 1}).to_list()}
        missing = [d for d in docs if d["_id"] not in there]
        if missing:
            await self.answers.insert_many(missing, ordered=True)

    async def released(self, query: dict[str, Any]) -> list[Document]:
        """Scores of released answers matching ``query`` (a campaign or a program)."""
        return await self.answers.find(query, {"template": 1, "rating": 1, "recommend": 1}).to_list()
