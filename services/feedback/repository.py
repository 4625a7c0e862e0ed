"""Feedback's own collections (PyMongo async): surveys and their responses (free text stays here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document, insert_once, restore_datetimes

TIME_FIELDS = ("answered_at",)


class FeedbackRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.surveys = db["surveys"]
        self.responses = db["responses"]

    async def ensure_indexes(self) -> None:
        await self.surveys.create_index([("respondent_id", ASCENDING)])
        await self.surveys.create_index([("relationship_id", ASCENDING)])
        await self.surveys.create_index([("district", ASCENDING), ("relationship_id", ASCENDING)])
        await self.responses.create_index([("survey_id", ASCENDING)], unique=True)

    async def add_surveys(self, docs: list[Document]) -> list[str]:
        """Insert surveys not stored yet (natural-key ``_id``); returns the ids that were new."""
        return [doc["_id"] for doc in docs if await insert_once(self.surveys, doc)]

    async def survey(self, survey_id: str) -> Document | None:
        return restore_datetimes(await self.surveys.find_one({"_id": survey_id}), TIME_FIELDS)

    async def find_surveys(self, respondent_id: str | None, relationship_id: str | None, district: str | None) -> list[Document]:
        """Surveys matching every filter given, by due date; ``district`` None means every district."""
        query: dict[str, Any] = {}
        if district is not None:
            query["district"] = district
        if respondent_id is not None:
            query["respondent_id"] = respondent_id
        if relationship_id is not None:
            query["relationship_id"] = relationship_id
        rows = await self.surveys.find(query).sort([("due_at", ASCENDING), ("_id", ASCENDING)]).to_list()
        return [r for r in rows if restore_datetimes(r, TIME_FIELDS)]

    async def add_response(self, response: Document) -> bool:
        """Store the one response of a survey; False when the survey already has one."""
        return await insert_once(self.responses, response)

    async def response_of(self, survey_id: str) -> Document | None:
        return await self.responses.find_one({"survey_id": survey_id})

    async def mark_answered(self, survey_id: str, answered_at: datetime, late: bool) -> None:
        """Close an open survey; a survey already answered is left as it is."""
        await self.surveys.update_one(
            {"_id": survey_id, "status": "open"},
            {"$set": {"status": "answered", "answered_at": answered_at, "late": late}},
        )
