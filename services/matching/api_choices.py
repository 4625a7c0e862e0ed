"""Choosing pairs by hand over HTTP: a coordinator's edits, and the self-directed mode for teachers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, field_validator

from shared.auth.http import Caller
from shared.auth.principal import require_role

from .access import (
    CONFLICT,
    GUARDED,
    GUARDED_RECORD,
    TEACHERS,
    UNAUTHENTICATED,
    UNREADABLE_JSON,
    Audit,
    MyProgram,
    ProgramToWrite,
    ProposalToWrite,
    RequestOfMine,
    RequestToMe,
    Service,
)
from .api import _public
from .choices import Choices
from .engine.model import Id
from .engine.scoring import RULES
from .workflow import ConflictError, NotFoundError

router = APIRouter(responses=UNAUTHENTICATED)
EDIT = {**GUARDED_RECORD, **CONFLICT, **UNREADABLE_JSON}


class Reassign(BaseModel):
    mentor_id: Id
    override: list[str] = Field(
        default_factory=list,
        max_length=len(RULES),
        description=f"hard rules the coordinator knowingly overrides, of {', '.join(RULES)} (never `excluded`)",
    )

    @field_validator("override")
    @classmethod
    def _known_rules(cls, override: list[str]) -> list[str]:
        unknown = [r for r in override if r not in RULES]
        if unknown:
            raise ValueError(f"unknown rule(s) {', '.join(unknown)}; rules are {', '.join(RULES)}")
        return override


class NewProposal(Reassign):
    mentee_id: Id


class MentorChoice(BaseModel):
    mentor_id: Id


def _choices(request: Request) -> Choices:
    return request.app.state.choices  # type: ignore[no-any-return]


def _http(exc: Exception) -> HTTPException:
    return HTTPException(404 if isinstance(exc, NotFoundError) else 409, str(exc))


@router.post(
    "/proposals/{proposal_id}/reassign", tags=["matching"], summary="Give a draft's mentee another mentor", responses=EDIT
)
async def reassign(proposal: ProposalToWrite, body: Reassign, request: Request, caller: Caller, audit: Audit) -> dict[str, Any]:
    try:
        edited = await _choices(request).reassign(proposal, body.mentor_id, body.override)
    except (NotFoundError, ConflictError) as exc:
        raise _http(exc) from exc
    detail = {"mentor_id": body.mentor_id, "override": body.override}
    await audit.record(caller, "proposal.reassigned", proposal["_id"], proposal["district"], detail)
    return _public(edited)


@router.post(
    "/programs/{program_id}/proposals",
    status_code=201,
    tags=["matching"],
    summary="A coordinator's own draft pair, for a mentee with no open proposal",
    responses=EDIT,
)
async def propose(program: ProgramToWrite, body: NewProposal, request: Request, caller: Caller, audit: Audit) -> dict[str, Any]:
    try:
        proposal = await _choices(request).propose(program, body.mentee_id, body.mentor_id, body.override)
    except (NotFoundError, ConflictError) as exc:
        raise _http(exc) from exc
    await audit.record(caller, "proposal.created", proposal["_id"], program["district"], {"override": body.override})
    return _public(proposal)


@router.get("/me/programs", tags=["self-directed"], responses=GUARDED, summary="The programs the calling teacher takes part in")
async def my_programs(caller: Caller, matching: Service) -> list[dict[str, Any]]:
    require_role(caller, *TEACHERS)
    mine = await matching.repo.participations(caller.district or "", caller.subject)
    programs = [await matching.repo.program(p["program_id"]) for p in mine]
    return [
        {"id": prog["_id"], "name": prog["name"], "model": prog["model"], "role": p["role"], "settings": prog.get("settings", {})}
        for p, prog in zip(mine, programs, strict=True)
        if prog is not None
    ]


@router.get(
    "/me/programs/{program_id}/suggestions",
    tags=["self-directed"],
    summary="Self-directed programs: the mentors the calling mentee may ask, best first, with score breakdowns",
    responses={**GUARDED_RECORD, **CONFLICT},
)
async def suggestions(program: MyProgram, request: Request) -> list[dict[str, Any]]:
    try:
        return await _choices(request).suggest(program, program["me"]["participant_id"])
    except ConflictError as exc:
        raise _http(exc) from exc


@router.post(
    "/me/programs/{program_id}/requests",
    status_code=201,
    tags=["self-directed"],
    summary="Self-directed programs: ask a mentor (one open request at a time)",
    responses={**GUARDED_RECORD, **CONFLICT, **UNREADABLE_JSON},
)
async def ask(program: MyProgram, body: MentorChoice, request: Request) -> dict[str, Any]:
    try:
        return _public(await _choices(request).request(program, program["me"]["participant_id"], body.mentor_id))
    except ConflictError as exc:
        raise _http(exc) from exc


@router.get("/me/requests", tags=["self-directed"], responses=GUARDED, summary="Requests the calling teacher made or received")
async def my_requests(caller: Caller, matching: Service) -> dict[str, list[dict[str, Any]]]:
    require_role(caller, *TEACHERS)
    district = caller.district or ""
    out: dict[str, list[dict[str, Any]]] = {}
    for key, side in (("received", "mentor_id"), ("made", "mentee_id")):
        rows = await matching.repo.requests_with(district, side, caller.subject)
        out[key] = [_public(r) for r in rows]
    return out


async def _answer(what: str, proposal: dict[str, Any], request: Request, caller: Caller, audit: Audit) -> dict[str, Any]:
    choices = _choices(request)
    action = {"accept": choices.accept, "decline": choices.decline, "withdraw": choices.withdraw}[what]
    try:
        result = await action(proposal)
    except (NotFoundError, ConflictError) as exc:
        raise _http(exc) from exc
    await audit.record(caller, f"request.{what}", proposal["_id"], proposal["district"])
    return _public(result)


ANSWER = {**GUARDED_RECORD, **CONFLICT}


@router.post(
    "/requests/{proposal_id}/accept",
    tags=["self-directed"],
    summary="The asked mentor accepts: the relationship starts",
    responses=ANSWER,
)
async def accept(proposal: RequestToMe, request: Request, caller: Caller, audit: Audit) -> dict[str, Any]:
    return await _answer("accept", proposal, request, caller, audit)


@router.post("/requests/{proposal_id}/decline", tags=["self-directed"], summary="The asked mentor declines", responses=ANSWER)
async def decline(proposal: RequestToMe, request: Request, caller: Caller, audit: Audit) -> dict[str, Any]:
    return await _answer("decline", proposal, request, caller, audit)


@router.post(
    "/requests/{proposal_id}/withdraw", tags=["self-directed"], summary="The mentee withdraws an open request", responses=ANSWER
)
async def withdraw(proposal: RequestOfMine, request: Request, caller: Caller, audit: Audit) -> dict[str, Any]:
    return await _answer("withdraw", proposal, request, caller, audit)
