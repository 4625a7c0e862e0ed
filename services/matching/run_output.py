"""What a finished run writes: its proposals (hidden until shown), its summary, and the *match proposed* events."""

from __future__ import annotations

from datetime import datetime

from shared.contracts.envelope import CloudEvent, derived_id, make_event
from shared.contracts.matching import MatchProposed
from shared.storage.mongo import Document

from .engine.model import Solution
from .problem import Incomplete


def proposal_docs(run: Document, solution: Solution, now: datetime) -> list[Document]:
    return [
        {
            "_id": derived_id("proposal", run["_id"], pair.mentee_id),
            "program_id": run["program_id"],
            "district": run["district"],
            "run_id": run["_id"],
            "origin": "run",
            "mentor_id": pair.mentor_id,
            "mentee_id": pair.mentee_id,
            "score": pair.score,
            "breakdown": dict(pair.breakdown),
            "virtual": pair.virtual,
            "alternatives": [a.model_dump() for a in solution.alternatives.get(pair.mentee_id, ())],
            "status": "pending",
            "created_at": now,
        }
        for pair in solution.pairs
    ]


def run_summary(solution: Solution, incomplete: list[Incomplete], seconds: float, now: datetime) -> Document:
    mentees = [i for i in incomplete if i.role != "mentor"]
    return {
        "finished_at": now,
        "objective": solution.objective,
        "proven_optimal": bool(solution.proven_optimal),
        "pairs_considered": solution.pairs_considered,
        "matched": len(solution.pairs),
        "solve_seconds": round(seconds, 4),
        "unmatched": [u.model_dump() for u in solution.unmatched]
        + [{"mentee_id": i.participant_id, "reason": i.reason} for i in mentees],
        "incomplete": [{"participant_id": i.participant_id, "role": i.role, "reason": i.reason} for i in incomplete],
    }


def proposed_event(p: Document) -> CloudEvent[MatchProposed]:
    data = MatchProposed(
        program_id=p["program_id"],
        run_id=p["run_id"],
        proposal_id=p["_id"],
        mentor_id=p["mentor_id"],
        mentee_id=p["mentee_id"],
        score=max(p["score"], 0.0),
    )
    return make_event(data, p["district"], p["_id"], p["_id"])
