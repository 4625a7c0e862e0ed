"""Matching's use cases: what the HTTP API asks for, with the events each one emits."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import (
    EndReason,
    MatchApproved,
    MatchProposed,
    ParticipantEnrolled,
    ProgramCreated,
    ProgramModel,
    RelationshipEnded,
    RelationshipStarted,
    Role,
)
from shared.messaging.outbox import Outbox
from shared.roster import ParsedRoster
from shared.storage.mongo import Document

from . import domain
from .metrics import MatchingMetrics
from .repository import MatchingRepository


class NotFoundError(LookupError):
    pass


class ConflictError(RuntimeError):
    pass


@dataclass
class Matching:
    repo: MatchingRepository
    outbox: Outbox
    metrics: MatchingMetrics

    async def create_program(self, district: str, name: str, model: ProgramModel) -> Document:
        program: Document = {
            "_id": str(uuid.uuid4()),
            "district": district,
            "name": name,
            "model": model.value,
            "created_at": datetime.now(UTC),
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

    async def import_roster(self, program_id: str, roster: ParsedRoster) -> list[str]:
        """Store valid rows (profile only: e-mail stays with notification); returns new participant ids."""
        program = await self.program(program_id)
        district, now = program["district"], datetime.now(UTC)
        docs = [
            {
                "program_id": program_id,
                "participant_id": row.participant_id(district),
                "district": district,
                "external_id": row.external_id,
                "name": row.name,
                "role": row.role.value,
                "school": row.school,
                "subjects": row.subjects,
                "grade_bands": row.grade_bands,
                "years_experience": row.years_experience,
                "enrolled_at": now,
            }
            for row in roster.rows
        ]
        new_ids = await self.repo.upsert_participants(docs)
        roles = {d["participant_id"]: Role(d["role"]) for d in docs}
        await self.outbox.emit(
            [
                make_event(
                    ParticipantEnrolled(program_id=program_id, participant_id=pid, role=roles[pid], enrolled_at=now),
                    district,
                    pid,
                    derived_id("participant.enrolled", program_id, pid),
                )
                for pid in new_ids
            ]
        )
        self.metrics.roster_rows.labels(outcome="accepted").inc(len(roster.rows))
        self.metrics.roster_rows.labels(outcome="rejected").inc(len(roster.errors))
        return new_ids

    async def run(self, program_id: str) -> tuple[Document, list[Document]]:
        """Solve the program's open participants and store draft proposals (earlier drafts are superseded)."""
        program = await self.program(program_id)
        engaged = await self.repo.engaged_ids(program_id)
        people = [
            p for p in await self.repo.participants_of(program_id, program["district"]) if p["participant_id"] not in engaged
        ]
        profiles = {r: [_profile(p) for p in people if p["role"] == r] for r in ("mentor", "mentee")}
        started = time.perf_counter()
        # The solver is CPU-bound: keep the event loop (and /health) responsive while it runs.
        result = await asyncio.to_thread(domain.assign, profiles["mentor"], profiles["mentee"])
        self.metrics.solve_seconds.observe(time.perf_counter() - started)
        run_id, now = str(uuid.uuid4()), datetime.now(UTC)
        proposals: list[Document] = [
            {
                "_id": derived_id("proposal", run_id, pair.mentee_id),
                "program_id": program_id,
                "district": program["district"],
                "run_id": run_id,
                "mentor_id": pair.mentor_id,
                "mentee_id": pair.mentee_id,
                "score": pair.breakdown.total,
                "breakdown": {
                    "shared_subjects": list(pair.breakdown.shared_subjects),
                    "shared_grade_bands": list(pair.breakdown.shared_grade_bands),
                },
                "status": "draft",
                "created_at": now,
            }
            for pair in result.pairs
        ]
        run = {
            "_id": run_id,
            "program_id": program_id,
            "district": program["district"],
            "created_at": now,
            "objective": result.objective,
            "unmatched": [{"mentee_id": u.mentee_id, "reason": u.reason} for u in result.unmatched],
        }
        await self.repo.record_run(run, proposals)
        await self.outbox.emit(
            [
                make_event(
                    MatchProposed(
                        program_id=program_id,
                        run_id=run_id,
                        proposal_id=p["_id"],
                        mentor_id=p["mentor_id"],
                        mentee_id=p["mentee_id"],
                        score=p["score"],
                    ),
                    program["district"],
                    p["_id"],
                    p["_id"],
                )
                for p in proposals
            ]
        )
        self.metrics.runs.inc()
        self.metrics.proposals.inc(len(proposals))
        self.metrics.unmatched.inc(len(result.unmatched))
        return run, proposals

    async def approve(self, proposal_id: str) -> Document:
        """Approve a draft; starts the relationship. Approving an approved proposal again is a no-op."""
        proposal = await self._proposal(proposal_id)
        program = await self.program(proposal["program_id"])
        if proposal["status"] == "draft":
            busy = await self.repo.engaged_ids(proposal["program_id"]) & {proposal["mentor_id"], proposal["mentee_id"]}
            if busy:
                raise ConflictError("mentor or mentee is already in an active relationship in this program")
            proposal = await self.repo.decide(proposal_id, "approved", datetime.now(UTC)) or await self._proposal(proposal_id)
        if proposal["status"] != "approved":
            raise ConflictError(f"proposal is {proposal['status']}, only a draft can be approved")
        relationship = {
            "_id": derived_id("relationship", proposal_id),
            "program_id": proposal["program_id"],
            "district": program["district"],
            "proposal_id": proposal_id,
            "mentor_id": proposal["mentor_id"],
            "mentee_id": proposal["mentee_id"],
            "status": "active",
            "started_at": proposal["decided_at"],
        }
        await self.repo.add_relationship(relationship)  # retries after a crash find it there already
        relationship = await self.repo.relationship(relationship["_id"]) or relationship
        ids = {k: relationship[k] for k in ("program_id", "mentor_id", "mentee_id")}
        rid = relationship["_id"]
        await self.outbox.emit(
            [
                make_event(
                    MatchApproved(proposal_id=proposal_id, relationship_id=rid, **ids),
                    program["district"],
                    proposal_id,
                    derived_id("match.approved", proposal_id),
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

    async def reject(self, proposal_id: str) -> Document:
        proposal = await self._proposal(proposal_id)
        if proposal["status"] == "rejected":
            return proposal
        decided = await self.repo.decide(proposal_id, "rejected", datetime.now(UTC))
        if decided is None:
            raise ConflictError(f"proposal is {proposal['status']}, only a draft can be rejected")
        return decided

    async def end(self, relationship_id: str, reason: EndReason) -> Document:
        ended = await self.repo.end_relationship(relationship_id, reason.value, datetime.now(UTC))
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
        return ended

    async def _proposal(self, proposal_id: str) -> Document:
        proposal = await self.repo.proposal(proposal_id)
        if proposal is None:
            raise NotFoundError(f"proposal {proposal_id} does not exist")
        return proposal


def _profile(doc: Document) -> domain.Profile:
    return domain.Profile(doc["participant_id"], frozenset(doc["subjects"]), frozenset(doc["grade_bands"]))
