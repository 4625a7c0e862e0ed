"""What scheduling knows besides meetings: programs and their cadence, district calendars, availability,
relationships and groups (PyMongo async). Settings are stored as their JSON form and validated on the way out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document, insert_once, restore_datetimes

from .cadence import ProgramCadence
from .school_calendar import Availability, DistrictCalendar

RELATIONSHIP_TIMES = ("started_at",)


class PlanningStore:
    def __init__(self, db: AsyncDatabase[Document], default_calendar: DistrictCalendar | None = None) -> None:
        self.default_calendar = default_calendar or DistrictCalendar()
        self.programs = db["programs"]
        self.calendars = db["calendars"]
        self.availability = db["availability"]
        self.relationships = db["relationships"]
        self.groups = db["groups"]

    async def ensure_indexes(self) -> None:
        await self.relationships.create_index([("group_id", ASCENDING)])
        await self.relationships.create_index([("mentor_id", ASCENDING)])
        await self.relationships.create_index([("mentee_id", ASCENDING)])
        await self.availability.create_index([("district", ASCENDING)])

    # ---- programs -------------------------------------------------------------------------------
    async def program_created(self, program_id: str, district: str, model: str) -> None:
        """Record (or complete) a program; its cadence, if set meanwhile, is kept."""
        await self.programs.update_one({"_id": program_id}, {"$set": {"district": district, "model": model}}, upsert=True)

    async def program_seen(self, program_id: str, district: str) -> None:
        """A relationship names a program not announced yet: remember its district, model unknown."""
        await self.programs.update_one({"_id": program_id}, {"$setOnInsert": {"district": district, "model": None}}, upsert=True)

    async def program(self, program_id: str) -> Document | None:
        return await self.programs.find_one({"_id": program_id})

    async def set_cadence(self, program_id: str, cadence: ProgramCadence) -> None:
        await self.programs.update_one({"_id": program_id}, {"$set": {"cadence": cadence.model_dump(mode="json")}})

    @staticmethod
    def cadence_of(program: Document | None) -> ProgramCadence:
        """The program's cadence, or the defaults when none was set (or the program is unknown)."""
        stored = (program or {}).get("cadence")
        return ProgramCadence.model_validate(stored) if stored else ProgramCadence()

    # ---- calendars and availability -------------------------------------------------------------
    async def set_calendar(self, district: str, calendar: DistrictCalendar, now: datetime) -> None:
        doc = {"calendar": calendar.model_dump(mode="json"), "updated_at": now}
        await self.calendars.update_one({"_id": district}, {"$set": doc}, upsert=True)

    async def calendar(self, district: str) -> DistrictCalendar | None:
        doc = await self.calendars.find_one({"_id": district})
        return DistrictCalendar.model_validate(doc["calendar"]) if doc else None

    async def calendar_or_default(self, district: str) -> DistrictCalendar:
        """The district's calendar; the service's default (``SCHEDULING_DEFAULT_TIME_ZONE``) when none is on file."""
        return await self.calendar(district) or self.default_calendar

    async def set_availability(self, participant_id: str, district: str, availability: Availability, now: datetime) -> bool:
        """Store a participant's windows; True when they had none on file before."""
        windows = availability.model_dump(mode="json")["windows"]
        done = await self.availability.update_one(
            {"_id": participant_id}, {"$set": {"district": district, "windows": windows, "updated_at": now}}, upsert=True
        )
        return done.upserted_id is not None

    async def availability_of(self, participant_id: str) -> Document | None:
        return await self.availability.find_one({"_id": participant_id})

    async def availabilities(self, participant_ids: list[str]) -> dict[str, Availability]:
        rows = await self.availability.find({"_id": {"$in": participant_ids}}).to_list()
        return {r["_id"]: Availability(windows=r["windows"]) for r in rows}

    async def district_of(self, participant_id: str) -> str | None:
        """The district a participant is known in (availability on file or a relationship), if any."""
        if doc := await self.availability.find_one({"_id": participant_id}, {"district": 1}):
            return str(doc["district"])
        for side in ("mentor_id", "mentee_id"):  # two queries: nx-27017 has no $or
            if rel := await self.relationships.find_one({side: participant_id}, {"district": 1}):
                return str(rel["district"])
        return None

    # ---- relationships and groups ---------------------------------------------------------------
    async def add_relationship(self, doc: Document) -> None:
        await insert_once(self.relationships, doc)

    async def relationship(self, relationship_id: str) -> Document | None:
        return restore_datetimes(await self.relationships.find_one({"_id": relationship_id}), RELATIONSHIP_TIMES)

    async def all_relationships(self) -> list[Document]:
        return [restore_datetimes(r, RELATIONSHIP_TIMES) for r in await self.relationships.find({}).to_list()]

    async def of_group(self, group_id: str) -> list[Document]:
        rows = await self.relationships.find({"group_id": group_id}).sort("started_at", ASCENDING).to_list()
        return [restore_datetimes(r, RELATIONSHIP_TIMES) for r in rows]

    async def set_planned_until(self, relationship_id: str, day: str) -> None:
        await self.relationships.update_one({"_id": relationship_id}, {"$set": {"planned_until": day}})

    async def group(self, group_id: str) -> Document | None:
        return restore_datetimes(await self.groups.find_one({"_id": group_id}), RELATIONSHIP_TIMES)

    async def ensure_group(self, doc: Document) -> Document:
        """The group as first stored: its anchor (first relationship and start) never moves."""
        await insert_once(self.groups, doc)
        stored: dict[str, Any] | None = await self.groups.find_one({"_id": doc["_id"]})
        return restore_datetimes(stored, RELATIONSHIP_TIMES) or doc
