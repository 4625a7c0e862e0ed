"""Goals, reflections and closures of a relationship (PyMongo async). None of it ever goes on the bus."""

from __future__ import annotations

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document, insert_once, restore_datetimes

TIMES = ("created_at", "updated_at")


class GoalsStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.goals = db["goals"]
        # One document per update, not an array in the goal: nx-27017 stores a $push-ed sub-document as a JSON string.
        self.progress = db["goal_progress"]
        self.reflections = db["reflections"]
        self.closures = db["closures"]

    async def ensure_indexes(self) -> None:
        await self.goals.create_index([("relationship_id", ASCENDING)])
        await self.progress.create_index([("goal_id", ASCENDING)])
        await self.reflections.create_index([("relationship_id", ASCENDING), ("author_id", ASCENDING)])

    async def add_goal(self, goal: Document) -> None:
        await self.goals.insert_one(goal)

    async def goals_of(self, relationship_id: str) -> list[Document]:
        """The relationship's goals, oldest first, each with its ``progress`` updates, oldest first."""
        order = [("created_at", ASCENDING), ("_id", ASCENDING)]
        goals = await self.goals.find({"relationship_id": relationship_id}).sort(order).to_list()
        ids = [g["_id"] for g in goals]
        updates = await self.progress.find({"goal_id": {"$in": ids}}).sort([("number", ASCENDING)]).to_list()
        for goal in goals:
            restore_datetimes(goal, TIMES)
            goal["progress"] = [restore_datetimes(u, ("created_at",)) for u in updates if u["goal_id"] == goal["_id"]]
        return goals

    async def add_progress(self, relationship_id: str, goal_id: str, update: Document) -> Document | None:
        """Record a progress update of a goal of the relationship; returns the goal, or None when there is no such goal."""
        change = {"$set": {"percent": update["percent"], "updated_at": update["created_at"]}, "$inc": {"updates": 1}}
        goal = await self.goals.find_one_and_update(
            {"_id": goal_id, "relationship_id": relationship_id}, change, return_document=ReturnDocument.AFTER
        )
        if goal is None:
            return None
        await self.progress.insert_one({**update, "goal_id": goal_id, "number": goal["updates"]})
        return next(g for g in await self.goals_of(relationship_id) if g["_id"] == goal_id)

    async def add_reflection(self, reflection: Document) -> None:
        await self.reflections.insert_one(reflection)

    async def reflections_for(self, relationship_id: str, reader_id: str) -> list[Document]:
        """The reader's own reflections and those their partner shared with them, oldest first."""
        own = await self.reflections.find({"relationship_id": relationship_id, "author_id": reader_id}).to_list()
        shared = await self.reflections.find({"relationship_id": relationship_id, "shared_with_partner": True}).to_list()
        rows = own + [r for r in shared if r["author_id"] != reader_id]
        return sorted((restore_datetimes(r, TIMES) for r in rows), key=lambda r: (r["created_at"], r["_id"]))

    async def add_closure(self, closure: Document) -> bool:
        """Record the one closure of a relationship; False when it was recorded before."""
        return await insert_once(self.closures, closure)

    async def closure(self, relationship_id: str) -> Document | None:
        return await self.closures.find_one({"_id": relationship_id})
