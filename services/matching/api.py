"""Matching's HTTP API: programs, roster import, match runs, proposals and relationships."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from shared.contracts.envelope import DistrictId
from shared.contracts.matching import EndReason, ProgramModel
from shared.roster_upload import CSV_BODY, UPLOAD_ERRORS, ImportReport, import_report, read_roster
from shared.storage.mongo import Document

from .workflow import ConflictError, Matching, NotFoundError

router = APIRouter()


def get_matching(request: Request) -> Matching:
    return request.app.state.matching  # type: ignore[no-any-return]


Service = Annotated[Matching, Depends(get_matching)]


class NewProgram(BaseModel):
    district: DistrictId
    name: str = Field(min_length=1, max_length=200)
    model: ProgramModel = ProgramModel.ONE_TO_ONE


class EndRequest(BaseModel):
    reason: EndReason


def _public(doc: Document) -> dict[str, Any]:
    out = {("id" if k == "_id" else k): v for k, v in doc.items()}
    return out


def _errors_to_http(exc: Exception) -> HTTPException:
    if isinstance(exc, NotFoundError):
        return HTTPException(404, str(exc))
    return HTTPException(409, str(exc))


@router.post("/programs", status_code=201, tags=["programs"])
async def create_program(body: NewProgram, matching: Service) -> dict[str, Any]:
    return _public(await matching.create_program(body.district, body.name, body.model))


@router.get("/programs", tags=["programs"])
async def list_programs(district: Annotated[DistrictId, Query()], matching: Service) -> list[dict[str, Any]]:
    return [_public(p) for p in await matching.repo.programs_of(district)]


@router.get("/programs/{program_id}", tags=["programs"])
async def get_program(program_id: str, matching: Service) -> dict[str, Any]:
    try:
        return _public(await matching.program(program_id))
    except NotFoundError as exc:
        raise _errors_to_http(exc) from exc


@router.post(
    "/programs/{program_id}/roster",
    tags=["programs"],
    summary="Import a roster CSV (text/csv body); valid rows are kept, invalid ones reported by line",
    openapi_extra=CSV_BODY,
    responses={**UPLOAD_ERRORS, 404: {"description": "Unknown program"}},
)
async def import_roster(program_id: str, request: Request, matching: Service) -> ImportReport:
    roster = await read_roster(request)
    try:
        new_ids = await matching.import_roster(program_id, roster)
    except NotFoundError as exc:
        raise _errors_to_http(exc) from exc
    return import_report(roster, len(new_ids))


@router.get("/programs/{program_id}/participants", tags=["programs"])
async def participants(program_id: str, matching: Service) -> list[dict[str, Any]]:
    return await matching.repo.participants_of(program_id)


@router.post("/programs/{program_id}/match-runs", status_code=201, tags=["matching"])
async def run_matching(program_id: str, matching: Service) -> dict[str, Any]:
    try:
        run, proposals = await matching.run(program_id)
    except NotFoundError as exc:
        raise _errors_to_http(exc) from exc
    return {**_public(run), "proposals": [_public(p) for p in proposals]}


@router.get("/programs/{program_id}/proposals", tags=["matching"])
async def proposals(
    program_id: str,
    matching: Service,
    status: Annotated[str | None, Query(pattern="^(draft|approved|rejected|superseded)$")] = None,
) -> list[dict[str, Any]]:
    return [_public(p) for p in await matching.repo.proposals_of(program_id, status)]


@router.post("/proposals/{proposal_id}/approve", tags=["matching"], summary="Approve a draft; starts the relationship")
async def approve(proposal_id: str, matching: Service) -> dict[str, Any]:
    try:
        return _public(await matching.approve(proposal_id))
    except (NotFoundError, ConflictError) as exc:
        raise _errors_to_http(exc) from exc


@router.post("/proposals/{proposal_id}/reject", tags=["matching"])
async def reject(proposal_id: str, matching: Service) -> dict[str, Any]:
    try:
        return _public(await matching.reject(proposal_id))
    except (NotFoundError, ConflictError) as exc:
        raise _errors_to_http(exc) from exc


@router.get("/programs/{program_id}/relationships", tags=["relationships"])
async def relationships(program_id: str, matching: Service) -> list[dict[str, Any]]:
    return [_public(r) for r in await matching.repo.relationships_of(program_id)]


@router.post("/relationships/{relationship_id}/end", tags=["relationships"])
async def end(relationship_id: str, matching: Service, body: Annotated[EndRequest, Body()]) -> dict[str, Any]:
    try:
        return _public(await matching.end(relationship_id, body.reason))
    except (NotFoundError, ConflictError) as exc:
        raise _errors_to_http(exc) from exc
