"""Feedback's own collections (PyMongo async): surveys, named responses, and what it learns from other services' events.

``relationships``, ``meetings`` and ``people`` are built from events only (RelationshipStarted/Ended, Meeting*,
ParticipantEnrolled); they say who takes part in what, so surveys reach the right people.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.envelope import derived_id
from shared.storage.mongo import Document, insert_once, restore_bools, restore_datetimes

SURVEY_TIMES = ("answered_at",)
RELATIONSHIP_TIMES = ("started_at", "ended_at")
# Surveys stored by the first version of the service lack these fields; they were named, version-1 surveys.
SURVEY_DEFAULTS = {"template_version": 1, "anonymous": False, "campaign_id": None, "reminded": False}


def _survey(doc: Document) -> Document:
    for key, value in SURVEY_DEFAULTS.items():
        doc.setdefault(key, value)
    return restore_bools(restore_datetimes(doc, SURVEY_TIMES), ("anonymous", "reminded"))


class FeedbackRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.surveys = db["surveys"]
        self.responses = db["responses"]
        self.relationships = db["relationships"]
        self.meetings = db["meetings"]
        self.people = db["people"]
        self.alerts = db["alerts"]

    async def ensure_indexes(self) -> None:
        await self.surveys.create_index([("respondent_id", ASCENDING)])
        await self.surveys.create_index([("relationship_id", ASCENDING)])
        await self.surveys.create_index([("status", ASCENDING), ("due_at", ASCENDING)])
        await self.responses.create_index([("survey_id", ASCENDING)], unique=True)
        await self.responses.create_index([("program_id", ASCENDING)])
        await self.meetings.create_index([("relationship_id", ASCENDING)])
        await self.people.create_index([("program_id", ASCENDING)])

    # ---- surveys and named responses ----------------------------------------------------------------------

    async def add_surveys(self, docs: list[Document]) -> list[str]:
        """Insert surveys not stored yet (natural-key ``_id``); returns the ids that were new."""
        return [doc["_id"] for doc in docs if await insert_once(self.surveys, doc)]

    async def survey(self, survey_id: str) -> Document | None:
        found = await self.surveys.find_one({"_id": survey_id})
        return _survey(found) if found else None

    async def find_surveys(self, respondent_id: str | None, relationship_id: str | None, district: str | None) -> list[Document]:
        """Surveys matching every filter given, by due date; ``district`` None means every district."""
        given = {"district": district, "respondent_id": respondent_id, "relationship_id": relationship_id}
        query = {k: v for k, v in given.items() if v is not None}
        rows = await self.surveys.find(query).sort([("due_at", ASCENDING), ("_id", ASCENDING)]).to_list()
        return [_survey(r) for r in rows]

    async def open_due_by(self, moment: datetime) -> list[Document]:
        """Open surveys due at or before ``moment`` (candidates for a reminder or for expiry)."""
        rows = await self.surveys.find({"status": "open", "due_at": {"$lte": moment}}).to_list()
        return [_survey(r) for r in rows]

    async def set_status(self, survey_id: str, status: str, answered_at: datetime | None = None) -> bool:
        """Move an open survey to ``status`` (answered or expired); False when it was no longer open."""
        change: dict[str, Any] = {"status": status}
        if answered_at is not None:
            change["answered_at"] = answered_at
        result = await self.surveys.update_one({"_id": survey_id, "status": "open"}, {"$set": change})
        return result.modified_count == 1

    async def mark_reminded(self, survey_id: str) -> bool:
        """True for the one caller that marks the survey reminded (several replicas may sweep at once)."""
        result = await self.surveys.update_one({"_id": survey_id, "reminded": False}, {"$set": {"reminded": True}})
        return result.modified_count == 1

    async def add_response(self, response: Document) -> bool:
        """Store the one response of a survey; False when the survey already has one."""
        return await insert_once(self.responses, response)

    async def response_of(self, survey_id: str) -> Document | None:
        return await self.responses.find_one({"survey_id": survey_id})

    async def program_responses(self, program_id: str) -> list[Document]:
        """Named responses of a program: their template and scores only (never the free text)."""
        projection = {"template": 1, "rating": 1, "recommend": 1}
        return await self.responses.find({"program_id": program_id}, projection).to_list()

    # ---- relationships, meetings and people, from events ------------------------------------------------------

    async def relationship_started(self, relationship_id: str, fields: Document) -> None:
        """Record who takes part (an ended relationship learned of earlier keeps its status)."""
        on_insert = {"status": "active", "mid_cycle": False}
        await self.relationships.update_one({"_id": relationship_id}, {"$set": fields, "$setOnInsert": on_insert}, upsert=True)

    async def relationship_ended(self, relationship_id: str, fields: Document) -> None:
        change = {**fields, "status": "ended"}
        await self.relationships.update_one(
            {"_id": relationship_id}, {"$set": change, "$setOnInsert": {"mid_cycle": True}}, upsert=True
        )

    async def relationship(self, relationship_id: str) -> Document | None:
        found = await self.relationships.find_one({"_id": relationship_id})
        return restore_datetimes(found, RELATIONSHIP_TIMES) if found else None

    async def active_without_mid_cycle(self) -> list[Document]:
        rows = await self.relationships.find({"status": "active", "mid_cycle": False}).to_list()
        return [restore_datetimes(r, RELATIONSHIP_TIMES) for r in rows]

    async def mark_mid_cycle(self, relationship_id: str) -> None:
        await self.relationships.update_one({"_id": relationship_id}, {"$set": {"mid_cycle": True}})

    async def meeting_seen(self, meeting_id: str, fields: Document, sequence: int) -> None:
        """Record a meeting's relationship, participants and start, unless a later change (``sequence``) is known."""
        try:
            await self.meetings.update_one(
                {"_id": meeting_id, "sequence": {"$lt": sequence}}, {"$set": {**fields, "sequence": sequence}}, upsert=True
            )
        except DuplicateKeyError:
            pass  # the meeting is known with this or a later change: an older one is ignored

    async def meeting_outcome(self, meeting_id: str, fields: Document, outcome: str) -> Document:
        """Record that a meeting was completed or missed; returns the meeting as now known."""
        await self.meetings.update_one(
            {"_id": meeting_id}, {"$set": {**fields, "outcome": outcome}, "$setOnInsert": {"sequence": -1}}, upsert=True
        )
        found = await self.meetings.find_one({"_id": meeting_id})
        return restore_datetimes(found, ("starts_at",)) if found else {}

    async def outcomes_of(self, relationship_id: str) -> list[Document]:
        """The relationship's meetings with an outcome and a known start."""
        rows = await self.meetings.find(
            {"relationship_id": relationship_id, "outcome": {"$in": ["completed", "missed"]}}
        ).to_list()
        return [restore_datetimes(r, ("starts_at",)) for r in rows if r.get("starts_at") is not None]

    async def add_person(self, program_id: str, district: str, participant_id: str, role: str) -> None:
        """Someone takes part in a program (the first role learned is kept)."""
        key = derived_id("person", program_id, participant_id)
        doc = {"program_id": program_id, "district": district, "participant_id": participant_id, "role": role}
        await self.people.update_one({"_id": key}, {"$setOnInsert": doc}, upsert=True)

    async def people_of(self, program_id: str, district: str) -> list[Document]:
        return await self.people.find({"program_id": program_id, "district": district}).sort("_id", ASCENDING).to_list()

    async def program_district(self, program_id: str) -> str | None:
        """The district of a program the service has heard of, or None."""
        person = await self.people.find_one({"program_id": program_id})
        return person["district"] if person else None

    async def add_alert(self, alert_id: str, relationship_id: str, reason: str) -> bool:
        """Record one at-risk warning; False when it was recorded before (a redelivery or another replica)."""
        return await insert_once(self.alerts, {"_id": alert_id, "relationship_id": relationship_id, "reason": reason})
