"""Choosing pairs by hand: a coordinator's edits of proposals, and the self-directed mode.

Both check a pair against the program's rules with the engine (``engine.suggest``) on the program as it is now:
approved pairs keep their places, and a mentor's room is what active relationships and other open proposals leave.
A coordinator may knowingly override a hard rule (named in ``override``; recorded on the proposal) except an
exclusion; teachers cannot override anything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import MatchDeclined, MatchRequested
from shared.storage.mongo import Document

from .engine.model import Problem
from .engine.suggest import PairCheck, Suggestion, check_pair, suggestions
from .policy import Selection, program_rules, program_settings
from .problem import ProgramState, Scope, build_problem
from .workflow import ConflictError, Matching, NotFoundError

NEVER_OVERRIDDEN = ("excluded",)
PUBLIC_PROFILE = ("name", "school", "subjects", "grade_bands", "years_experience", "expertise", "support_style", "languages")


@dataclass
class Choices:
    matching: Matching

    # coordinator edits
    async def reassign(self, proposal: Document, mentor_id: str, override: list[str]) -> Document:
        """Give a draft proposal's mentee another mentor."""
        if proposal["status"] != "draft":
            raise ConflictError(f"proposal is {proposal['status']}, only a draft can be edited")
        program = await self.matching.program(proposal["program_id"])
        check = await self._check(program, mentor_id, proposal["mentee_id"], override, leave_out=proposal["_id"])
        fields = {
            **_scored(check),
            "mentor_id": mentor_id,
            "edited": True,
            "overridden": override,
            "edited_at": self.matching.now(),
        }
        edited = await self.matching.repo.edit_proposal(proposal["_id"], fields)
        if edited is None:
            raise ConflictError("proposal was decided meanwhile")
        return edited

    async def propose(self, program: Document, mentee_id: str, mentor_id: str, override: list[str]) -> Document:
        """A coordinator's own draft for a mentee with no open proposal (e.g. one a run left unmatched)."""
        check = await self._check(program, mentor_id, mentee_id, override)
        return await self._add(program, mentee_id, mentor_id, check, origin="coordinator", status="draft", overridden=override)

    # self-directed mode
    async def suggest(self, program: Document, mentee_id: str) -> list[dict[str, Any]]:
        """The mentee's top-k mentors, with each one's score breakdown and public profile."""
        self._self_directed(program)
        _choosing(program)
        problem = await self._problem(program, mentee_id)
        found = suggestions(problem, mentee_id, program_settings(program).suggestions)
        people = {p["participant_id"]: p for p in await self.matching.repo.participants_of(program["_id"], program["district"])}
        return [_suggestion(s, people[s.mentor_id]) for s in found]

    async def request(self, program: Document, mentee_id: str, mentor_id: str) -> Document:
        """A mentee asks a mentor (one open request at a time); the mentor accepts or declines."""
        self._self_directed(program)
        _choosing(program)
        check = await self._check(program, mentor_id, mentee_id, [])
        request_id = str(uuid.uuid4())
        if not await self.matching.seats.take("request", program["_id"], mentee_id, request_id):
            raise ConflictError("this mentee already has an open proposal or request")
        proposal = await self._add(program, mentee_id, mentor_id, check, _id=request_id, origin="request", status="requested")
        data = MatchRequested(program_id=program["_id"], proposal_id=proposal["_id"], mentor_id=mentor_id, mentee_id=mentee_id)
        pid = proposal["_id"]
        await self.matching.outbox.emit([make_event(data, program["district"], pid, derived_id("match.requested", pid))])
        return proposal

    async def accept(self, proposal: Document) -> Document:
        relationship = await self.matching.start(proposal, was="requested")
        await self.matching.seats.release(proposal["_id"], "request")
        return relationship

    async def decline(self, proposal: Document) -> Document:
        decided = await self._decide(proposal, "declined")
        await self.matching.seats.release(proposal["_id"], "request")
        data = MatchDeclined(
            program_id=decided["program_id"],
            proposal_id=decided["_id"],
            mentor_id=decided["mentor_id"],
            mentee_id=decided["mentee_id"],
        )
        pid = decided["_id"]
        await self.matching.outbox.emit([make_event(data, decided["district"], pid, derived_id("match.declined", pid))])
        return decided

    async def withdraw(self, proposal: Document) -> Document:
        withdrawn = await self._decide(proposal, "withdrawn")
        await self.matching.seats.release(proposal["_id"], "request")
        return withdrawn

    # helpers
    async def _decide(self, proposal: Document, status: str) -> Document:
        if proposal["status"] == status:
            return proposal
        decided = await self.matching.repo.decide(proposal["_id"], status, self.matching.now(), was="requested")
        if decided is None:
            raise ConflictError(f"request is {proposal['status']}, only an open request can be {status}")
        return decided

    def _self_directed(self, program: Document) -> None:
        if program_settings(program).selection is not Selection.SELF_DIRECTED:
            raise ConflictError("this program is not self-directed: its coordinator proposes the pairs")

    async def _problem(self, program: Document, mentee_id: str, leave_out: str | None = None) -> Problem:
        repo = self.matching.repo
        open_proposals = [p for p in await repo.open_proposals(program["_id"]) if p["_id"] != leave_out]
        if leave_out is None and any(p["mentee_id"] == mentee_id for p in open_proposals):
            raise ConflictError("this mentee already has an open proposal or request")
        state = ProgramState(
            program_rules(program),
            await repo.participants_of(program["_id"], program["district"]),
            await repo.relationships_in(program["_id"]),
            open_proposals,
        )
        problem, incomplete = build_problem(state, Scope.REMAINING)
        if not any(p.id == mentee_id for p in problem.participants):
            why = next((i.reason for i in incomplete if i.participant_id == mentee_id), None)
            raise ConflictError(why or "not a mentee of this program who is still open to a match")
        return problem

    async def _check(
        self, program: Document, mentor_id: str, mentee_id: str, override: list[str], leave_out: str | None = None
    ) -> PairCheck:
        problem = await self._problem(program, mentee_id, leave_out)
        try:
            check = check_pair(problem, mentor_id, mentee_id)
        except (KeyError, ValueError) as exc:
            raise ConflictError(
                f"mentor {mentor_id} is not a mentor of this program with room left and a complete profile"
            ) from exc
        refused = [rule for rule in check.violations if rule not in override or rule in NEVER_OVERRIDDEN]
        if refused:
            raise ConflictError(f"the pair breaks the program's hard rule(s): {', '.join(refused)}")
        return check

    async def _add(self, program: Document, mentee_id: str, mentor_id: str, check: PairCheck, **fields: Any) -> Document:
        proposal: Document = {
            "_id": fields.pop("_id", None) or str(uuid.uuid4()),
            "program_id": program["_id"],
            "district": program["district"],
            "run_id": None,
            "mentor_id": mentor_id,
            "mentee_id": mentee_id,
            **_scored(check),
            "created_at": self.matching.now(),
            **fields,
        }
        await self.matching.repo.add_proposal(proposal)
        return proposal


def _choosing(program: Document) -> None:
    """Only a mentee (a peer, in peer programs) chooses a mentor."""
    if program["me"]["role"] not in ("mentee", "peer"):
        raise ConflictError("only a mentee of this program asks for a mentor")


def _scored(check: PairCheck) -> Document:
    return {"score": check.score, "breakdown": dict(check.breakdown), "virtual": check.virtual}


def _suggestion(s: Suggestion, person: Document) -> dict[str, Any]:
    return {
        "mentor_id": s.mentor_id,
        "score": s.score,
        "breakdown": dict(s.breakdown),
        **{k: person.get(k) for k in PUBLIC_PROFILE},
    }


__all__ = ["Choices", "NotFoundError"]
