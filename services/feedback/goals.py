"""SMART goals, GROW reflections and closure of a relationship.

Goals and reflections stay in this service: nothing about them is published. Closure publishes
``ClosureRecorded`` once per relationship (matching ends the relationship and may rematch; the closure survey
follows when its ``RelationshipEnded`` arrives).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.auth.principal import Principal
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.feedback import ClosureRecorded
from shared.contracts.matching import EndReason
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from .goals_store import GoalsStore
from .workflow import Clock, ConflictError, NotFoundError, utc_now


def actor_id(caller: Principal) -> str:
    """An opaque id for who acted: a teacher's participant id; for staff, a derived id (never their login name)."""
    return caller.subject if caller.is_teacher else derived_id("staff", caller.subject)


@dataclass
class Goals:
    store: GoalsStore
    clock: Clock = utc_now

    async def add_goal(self, relationship: Document, author: Principal, what: str, measure: str, target_date: date) -> Document:
        """A new SMART goal of the relationship, at 0 % progress."""
        now = self.clock()
        goal = {
            "_id": uuid.uuid4().hex,
            "relationship_id": relationship["_id"],
            "district": relationship["district"],
            "what": what,
            "measure": measure,
            "target_date": target_date.isoformat(),
            "created_by": author.subject,
            "created_at": now,
            "updated_at": now,
            "percent": 0,
            "updates": 0,
        }
        await self.store.add_goal(goal)
        return {**goal, "progress": []}

    async def goals(self, relationship_id: str) -> list[Document]:
        return await self.store.goals_of(relationship_id)

    async def add_progress(
        self, relationship_id: str, goal_id: str, author: Principal, percent: int, note: str | None
    ) -> Document:
        """Record a progress update; NotFoundError when the relationship has no such goal."""
        update = {"_id": uuid.uuid4().hex, "percent": percent, "note": note, "by": author.subject, "created_at": self.clock()}
        goal = await self.store.add_progress(relationship_id, goal_id, update)
        if goal is None:
            raise NotFoundError(f"goal {goal_id} does not exist")
        return goal

    async def add_reflection(self, relationship: Document, author: Principal, fields: dict[str, Any]) -> Document:
        """A GROW reflection, private to its author unless ``shared_with_partner``."""
        reflection = {
            "_id": uuid.uuid4().hex,
            "relationship_id": relationship["_id"],
            "district": relationship["district"],
            "author_id": author.subject,
            "created_at": self.clock(),
            **fields,
        }
        await self.store.add_reflection(reflection)
        return reflection

    async def reflections(self, relationship_id: str, reader: Principal) -> list[Document]:
        return await self.store.reflections_for(relationship_id, reader.subject)


@dataclass
class Closures:
    store: GoalsStore
    outbox: Outbox
    clock: Clock = utc_now

    async def record(self, relationship: Document, caller: Principal, reason: EndReason) -> Document:
        """Record the closure and publish ``ClosureRecorded``; ConflictError when ended or closed before."""
        if relationship.get("status") == "ended":
            raise ConflictError(f"relationship {relationship['_id']} has already ended")
        closure = {
            "_id": relationship["_id"],
            "program_id": relationship["program_id"],
            "district": relationship["district"],
            "reason": reason.value,
            "recorded_by": actor_id(caller),
            "recorded_at": self.clock(),
        }
        if not await self.store.add_closure(closure):
            if existing := await self.store.closure(relationship["_id"]):
                await self._publish(existing)  # finish a recording that stopped before its event
            raise ConflictError(f"the closure of relationship {relationship['_id']} is already recorded")
        await self._publish(closure)
        return closure

    async def _publish(self, closure: Document) -> None:
        data = ClosureRecorded(
            program_id=closure["program_id"],
            relationship_id=closure["_id"],
            reason=EndReason(closure["reason"]),
            recorded_by=closure["recorded_by"],
        )
        event_id = derived_id("closure.recorded", closure["_id"])
        await self.outbox.emit([make_event(data, closure["district"], closure["_id"], event_id)])
