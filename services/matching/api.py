"""Matching's HTTP API: programs, roster import, match runs, proposals and relationships.

Access (see ``access.py``): a district's coordinator reads and writes its records; state admins read
every district; a teacher reads the relationships they are in. Changes and exports are audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query
from pydantic import BaseModel, Field

from shared.auth.http import Caller
from shared.auth.principal import require_manages, require_reads, require_role
from shared.contracts.envelope import DistrictId
from shared.contracts.matching import EndReason, ProgramModel
from shared.storage.mongo import Document

from .access import (
    CONFLICT,
    GUARDED,
    GUARDED_RECORD,
    TEACHERS,
    UNAUTHENTICATED,
    UNKNOWN,
    UNREADABLE_JSON,
    Audit,
    ProgramToRead,
    ProgramToWrite,
    ProposalToWrite,
    RelationshipToRead,
    RelationshipToWrite,
    Service,
)
from .engine.model import Rules
from .policy import PolicyError, ProgramPolicy, ProgramSettings
from .workflow import ConflictError, NotFoundError

router = APIRouter(responses=UNAUTHENTICATED)


class NewProgram(ProgramPolicy):
    """A program; ``rules`` and ``settings`` may be left out (the defaults) and changed later."""

    district: DistrictId
    name: str = Field(min_length=1, max_length=200)
    model: ProgramModel = ProgramModel.ONE_TO_ONE


class EndRequest(BaseModel):
    reason: EndReason


def _public(doc: Document) -> dict[str, Any]:
    return {("id" if k == "_id" else k): v for k, v in doc.items()}


def _errors_to_http(exc: Exception) -> HTTPException:
    if isinstance(exc, NotFoundError):
        return HTTPException(404, str(exc))
    if isinstance(exc, PolicyError):  # shaped like FastAPI's own 422, so the OpenAPI document holds
        return HTTPException(422, [{"loc": ["body", *exc.loc, exc.field], "msg": exc.message, "type": "value_error"}])
    return HTTPException(409, str(exc))


@router.post(
    "/programs",
    status_code=201,
    tags=["programs"],
    responses={**GUARDED, **UNREADABLE_JSON},
    summary="Open a program (its coordinator)",
)
async def create_program(body: NewProgram, caller: Caller, matching: Service, audit: Audit) -> dict[str, Any]:
    require_manages(caller, body.district)
    try:
        program = await matching.create_program(body.district, body.name, body.model, body)
    except PolicyError as exc:
        exc.loc = ("rules",)
        raise _errors_to_http(exc) from exc
    await audit.record(caller, "program.created", program["_id"], body.district, {"model": body.model.value})
    return _public(program)


@router.get("/programs", tags=["programs"], responses=GUARDED, summary="A district's programs")
async def list_programs(district: Annotated[DistrictId, Query()], caller: Caller, matching: Service) -> list[dict[str, Any]]:
    require_reads(caller, district)
    return [_public(p) for p in await matching.repo.programs_of(district)]


@router.get("/programs/{program_id}", tags=["programs"], responses=GUARDED_RECORD)
async def get_program(program: ProgramToRead) -> dict[str, Any]:
    return _public(program)


@router.put(
    "/programs/{program_id}/rules",
    tags=["programs"],
    summary="Replace the program's matching rules (hard rules, weights, group sizes); used from the next run",
    responses={**GUARDED_RECORD, **UNREADABLE_JSON},
)
async def set_rules(
    program: ProgramToWrite, body: Annotated[Rules, Body()], caller: Caller, matching: Service, audit: Audit
) -> dict[str, Any]:
    try:
        updated = await matching.set_rules(program, body)
    except (NotFoundError, PolicyError) as exc:
        raise _errors_to_http(exc) from exc
    await audit.record(caller, "program.rules_set", program["_id"], program["district"], {"rules": updated["rules"]})
    return _public(updated)


@router.put(
    "/programs/{program_id}/settings",
    tags=["programs"],
    summary="Replace the program's workflow settings (selection mode, late enrolees, rematch, induction days)",
    responses={**GUARDED_RECORD, **UNREADABLE_JSON},
)
async def set_settings(
    program: ProgramToWrite, body: Annotated[ProgramSettings, Body()], caller: Caller, matching: Service, audit: Audit
) -> dict[str, Any]:
    try:
        updated = await matching.set_settings(program, body)
    except NotFoundError as exc:
        raise _errors_to_http(exc) from exc
    await audit.record(caller, "program.settings_set", program["_id"], program["district"], {"settings": updated["settings"]})
    return _public(updated)


@router.get("/programs/{program_id}/proposals", tags=["matching"], responses=GUARDED_RECORD)
async def proposals(
    program: ProgramToRead,
    matching: Service,
    status: Annotated[str | None, Query(pattern="^(draft|requested|approved|rejected|declined|withdrawn|superseded)$")] = None,
) -> list[dict[str, Any]]:
    return [_public(p) for p in await matching.repo.proposals_of(program["_id"], program["district"], status)]


@router.post(
    "/proposals/{proposal_id}/approve",
    tags=["matching"],
    summary="Approve a draft; starts the relationship",
    responses={**GUARDED_RECORD, **CONFLICT},
)
async def approve(proposal: ProposalToWrite, caller: Caller, matching: Service, audit: Audit) -> dict[str, Any]:
    try:
        relationship = await matching.approve(proposal["_id"])
    except (NotFoundError, ConflictError) as exc:
        raise _errors_to_http(exc) from exc
    detail = {"relationship_id": relationship["_id"]}
    await audit.record(caller, "proposal.approved", proposal["_id"], proposal["district"], detail)
    return _public(relationship)


@router.post("/proposals/{proposal_id}/reject", tags=["matching"], responses={**GUARDED_RECORD, **CONFLICT})
async def reject(proposal: ProposalToWrite, caller: Caller, matching: Service, audit: Audit) -> dict[str, Any]:
    try:
        rejected = await matching.reject(proposal["_id"])
    except (NotFoundError, ConflictError) as exc:
        raise _errors_to_http(exc) from exc
    await audit.record(caller, "proposal.rejected", proposal["_id"], proposal["district"])
    return _public(rejected)


@router.get("/programs/{program_id}/relationships", tags=["relationships"], responses=GUARDED_RECORD)
async def relationships(program: ProgramToRead, matching: Service) -> list[dict[str, Any]]:
    return [_public(r) for r in await matching.repo.relationships_of(program["_id"], program["district"])]


@router.get(
    "/relationships/{relationship_id}",
    tags=["relationships"],
    summary="One relationship: its mentor and mentee, the district's coordinator, state admins",
    responses=UNKNOWN,
)
async def get_relationship(relationship: RelationshipToRead) -> dict[str, Any]:
    return _public(relationship)


@router.post(
    "/relationships/{relationship_id}/end", tags=["relationships"], responses={**GUARDED_RECORD, **CONFLICT, **UNREADABLE_JSON}
)
async def end(
    relationship: RelationshipToWrite, caller: Caller, matching: Service, audit: Audit, body: Annotated[EndRequest, Body()]
) -> dict[str, Any]:
    try:
        ended = await matching.end(relationship["_id"], body.reason)
    except (NotFoundError, ConflictError) as exc:
        raise _errors_to_http(exc) from exc
    # Action and target only: why a relationship ended is not the audit log's business.
    await audit.record(caller, "relationship.ended", relationship["_id"], relationship["district"])
    return _public(ended)


@router.get("/me/relationships", tags=["relationships"], responses=GUARDED, summary="The caller's own relationships (teachers)")
async def my_relationships(caller: Caller, matching: Service) -> list[dict[str, Any]]:
    require_role(caller, *TEACHERS)
    district = caller.district or ""  # a teacher's token always names their district (tokens.py checks it)
    return [_public(r) for r in await matching.repo.relationships_with(district, caller.subject)]
