"""Matching's use cases: programs and their policy, roster import, decisions on proposals, relationships.

Match runs are in ``runs``, coordinator edits and the self-directed mode in ``choices``, the induction timer in
``induction``. Every change emits its events through the outbox with ids derived from the cause.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import (
    EndReason,
    MatchApproved,
    ProgramCreated,
    ProgramModel,
    RelationshipEnded,
    RelationshipStarted,
)
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from .engine.model import Rules
from .metrics import MatchingMetrics
from .policy import ProgramPolicy, ProgramSettings, Selection, program_rules, program_settings, rules_for
from .problem import Scope, mentor_capacity
from .repository import MatchingRepository
from .runs import Clock, MatchRuns, utc_now
from .seats import Seats

log = logging.getLogger(__name__)


class NotFoundError(LookupError):
    pass


class ConflictError(RuntimeError):
    pass


NO_REMATCH = (EndReason.COMPLETED, EndReason.EARLY_MENTEE_LEFT)


@dataclass
class Matching:
    repo: MatchingRepository
    seats: Seats
    outbox: Outbox
    metrics: MatchingMetrics
    runs: MatchRuns
    clock: Clock = utc_now

    # programs
    async def create_program(self, district: str, name: str, model: ProgramModel, policy: ProgramPolicy) -> Document:
        rules = rules_for(model, policy.rules if "rules" in policy.model_fields_set else None)
        program: Document = {
            "_id": str(uuid.uuid4()),
            "district": district,
            "name": name,
            "model": model.value,
            "rules": rules.model_dump(mode="json"),
            "settings": policy.settings.model_dump(mode="json"),
            "created_at": self.clock(),
        }
        await self.repo.add_program(program)
        created = ProgramCreated(program_id=program["_id"], model=model)
        await self.outbox.emit([make_event(created, district, program["_id"], derived_id("program.created", program["_id"]))])
        return program

    async def program(self, program_id: str) -> Document:
        program = await self.repo.program(program_id)
        if program is None:
            raise NotFoundError(f"program {program_id} does not exist")
        return program

    async def set_rules(self, program: Document, rules: Rules) -> Document:
        """Replace the program's matching rules (they apply from the next run)."""
        checked = rules_for(ProgramModel(program["model"]), rules)
        return await self._set(program, {"rules": checked.model_dump(mode="json")})

    async def set_settings(self, program: Document, settings: ProgramSettings) -> Document:
        return await self._set(program, {"settings": settings.model_dump(mode="json")})

    async def _set(self, program: Document, fields: Document) -> Document:
        updated = await self.repo.set_program_fields(program["_id"], fields)
        if updated is None:
            raise NotFoundError(f"program {program['_id']} does not exist")
        return updated

    # decisions
    async def approve(self, proposal_id: str) -> Document:
        """Approve a draft; starts the relationship. Approving an approved proposal again is a no-op."""
        return await self.start(await self._proposal(proposal_id), was="draft")

    async def start(self, proposal: Document, *, was: str) -> Document:
        """Move ``proposal`` from ``was`` to approved and start its relationship (idempotent once approved)."""
        program = await self.program(proposal["program_id"])
        if proposal["status"] == was:
            await self._reserve(program, proposal)
            decided = await self.repo.decide(proposal["_id"], "approved", self.clock(), was=was)
            if decided is None:  # decided meanwhile by another request: give the seats back unless it was approved
                decided = await self._proposal(proposal["_id"])
                if decided["status"] != "approved":
                    await self.seats.release(proposal["_id"])
            proposal = decided
        if proposal["status"] != "approved":
            raise ConflictError(f"proposal is {proposal['status']}, only a {was} proposal can be approved")
        relationship = {
            "_id": derived_id("relationship", proposal["_id"]),
            "program_id": proposal["program_id"],
            "district": program["district"],
            "proposal_id": proposal["_id"],
            "mentor_id": proposal["mentor_id"],
            "mentee_id": proposal["mentee_id"],
            "status": "active",
            "started_at": proposal["decided_at"],
        }
        await self.repo.add_relationship(relationship)  # retries after a crash find it there already
        relationship = await self.repo.relationship(relationship["_id"]) or relationship
        ids = {k: relationship[k] for k in ("program_id", "mentor_id", "mentee_id")}
        rid, pid = relationship["_id"], proposal["_id"]
        await self.outbox.emit(
            [
                make_event(
                    MatchApproved(proposal_id=pid, relationship_id=rid, **ids),
                    program["district"],
                    pid,
                    derived_id("match.approved", pid),
                ),
                make_event(
                    RelationshipStarted(relationship_id=rid, started_at=relationship["started_at"], **ids),
                    program["district"],
                    rid,
                    derived_id("relationship.started", rid),
                ),
            ]
        )
        return relationship

    async def _reserve(self, program: Document, proposal: Document) -> None:
        """Take the mentee's seat and a mentor slot (both peers' seats in peer programs): the race-free check."""
        pid, program_id = proposal["_id"], program["_id"]
        if not await self.seats.take("person", program_id, proposal["mentee_id"], pid):
            raise ConflictError("the mentee is already in an active relationship in this program")
        peer = program["model"] == ProgramModel.PEER.value
        if peer:
            ok = await self.seats.take("person", program_id, proposal["mentor_id"], pid)
        else:
            mentor = await self.repo.participant(program_id, proposal["mentor_id"])
            capacity = 1 if mentor is None else mentor_capacity(mentor, program_rules(program))
            ok = await self.seats.take_mentor(program_id, proposal["mentor_id"], capacity, pid)
        if not ok:
            await self.seats.release(pid)
            if peer:
                raise ConflictError("the peer is already in an active relationship in this program")
            raise ConflictError("the mentor has no room left (capacity reached by active relationships)")

    async def reject(self, proposal_id: str) -> Document:
        proposal = await self._proposal(proposal_id)
        if proposal["status"] == "rejected":
            return proposal
        decided = await self.repo.decide(proposal_id, "rejected", self.clock())
        if decided is None:
            raise ConflictError(f"proposal is {proposal['status']}, only a draft can be rejected")
        return decided

    async def end(self, relationship_id: str, reason: EndReason) -> Document:
        """End a relationship; an early end (other than the mentee leaving) may queue a rematch for the mentee."""
        ended = await self.repo.end_relationship(relationship_id, reason.value, self.clock())
        if ended is None:
            current = await self.repo.relationship(relationship_id)
            if current is None:
                raise NotFoundError(f"relationship {relationship_id} does not exist")
            if current.get("end_reason") != reason.value:
                raise ConflictError("relationship has already ended")
            ended = current
        data = RelationshipEnded(
            program_id=ended["program_id"],
            relationship_id=relationship_id,
            mentor_id=ended["mentor_id"],
            mentee_id=ended["mentee_id"],
            ended_at=ended["ended_at"],
            reason=reason,
        )
        await self.outbox.emit(
            [make_event(data, ended["district"], relationship_id, derived_id("relationship.ended", relationship_id))]
        )
        await self.seats.release(ended["proposal_id"])
        leaver = {EndReason.EARLY_MENTEE_LEFT: ended["mentee_id"], EndReason.EARLY_MENTOR_LEFT: ended["mentor_id"]}.get(reason)
        if leaver is not None:
            await self.repo.mark_left(ended["program_id"], leaver, ended["ended_at"])
        await self._maybe_rematch(ended, reason)
        return ended

    async def close(self, relationship_id: str, reason: EndReason) -> None:
        """A participant closed the relationship in feedback (``ClosureRecorded``): end it, unless it ended already."""
        try:
            await self.end(relationship_id, reason)
        except ConflictError:
            pass  # ended before (by the coordinator, with another reason): the first end stands
        except NotFoundError:
            log.warning("closure for unknown relationship %s ignored", relationship_id)

    async def _maybe_rematch(self, ended: Document, reason: EndReason) -> None:
        program = await self.program(ended["program_id"])
        settings = program_settings(program)
        if reason in NO_REMATCH or not settings.rematch_on_early_end or settings.selection is not Selection.COORDINATOR:
            return
        await self.runs.request(program, Scope.REMAINING, cause=f"rematch:{ended['_id']}")

    async def _proposal(self, proposal_id: str) -> Document:
        proposal = await self.repo.proposal(proposal_id)
        if proposal is None:
            raise NotFoundError(f"proposal {proposal_id} does not exist")
        return proposal

    def now(self) -> datetime:
        return self.clock()
