"""Matching's HTTP API: programs, roster import, match runs, proposals and relationships.

Access (see ``access.py``): a district's coordinator reads and writes its records; state admins read
every district; a teacher reads the relationships they are in. Changes and exports are audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from shared.auth.http import Caller
from shared.auth.principal import require_manages, require_reads, require_role
from shared.contracts.envelope import DistrictId
from shared.contracts.matching import EndReason, ProgramModel
from shared.roster_upload import CSV_BODY, UPLOAD_ERRORS, ImportReport, import_report, read_roster
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
from .export import CSV_RESPONSE, participants_csv
from .workflow import ConflictError, NotFoundError

router = APIRouter(responses=UNAUTHENTICATED)


class NewProgram(BaseModel):
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
    program = await matching.create_program(body.district, body.name, body.model)
    await audit.record(caller, "program.created", program["_id"], body.district, {"model": body.model.value})
    return _public(program)


@router.get("/programs", tags=["programs"], responses=GUARDED, summary="A district's programs")
async def list_programs(district: Annotated[DistrictId, Query()], caller: Caller, matching: Service) -> list[dict[str, Any]]:
    require_reads(caller, district)
    return [_public(p) for p in await matching.repo.programs_of(district)]


@router.get("/programs/{program_id}", tags=["programs"], responses=GUARDED_RECORD)
async def get_program(program: ProgramToRead) -> dict[str, Any]:
    return _public(program)


@router.post(
    "/programs/{program_id}/roster",
    tags=["programs"],
    summary="Import a roster CSV (text/csv body); valid rows are kept, invalid ones reported by line",
    openapi_extra=CSV_BODY,
    responses={**UPLOAD_ERRORS, **GUARDED_RECORD},
)
async def import_roster(
    program: ProgramToWrite, request: Request, caller: Caller, matching: Service, audit: Audit
) -> ImportReport:
    roster = await read_roster(request)
    try:
        new_ids = await matching.import_roster(program["_id"], roster)
    except NotFoundError as exc:
        raise _errors_to_http(exc) from exc
    report = import_report(roster, len(new_ids))
    counts = {"accepted": report.accepted, "new": report.new, "rejected_rows": len(roster.errors)}
    await audit.record(caller, "roster.imported", program["_id"], program["district"], counts)
    return report


@router.get("/programs/{program_id}/participants", tags=["programs"], responses=GUARDED_RECORD)
async def participants(program: ProgramToRead, matching: Service) -> list[dict[str, Any]]:
    return await matching.repo.participants_of(program["_id"], program["district"])


@router.get(
    "/programs/{program_id}/participants.csv",
    tags=["programs"],
    summary="The program's participants as a spreadsheet-safe CSV file (audited)",
    response_class=Response,
    responses={**CSV_RESPONSE, **GUARDED_RECORD},
)
async def export_participants(program: ProgramToRead, caller: Caller, matching: Service, audit: Audit) -> Response:
    rows = await matching.repo.participants_of(program["_id"], program["district"])
    await audit.record(caller, "participants.exported", program["_id"], program["district"], {"rows": len(rows)})
    filename = f"participants-{program['_id']}.csv"
    return Response(
        participants_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/programs/{program_id}/match-runs", status_code=201, tags=["matching"], responses=GUARDED_RECORD)
async def run_matching(program: ProgramToWrite, caller: Caller, matching: Service, audit: Audit) -> dict[str, Any]:
    try:
        run, proposals = await matching.run(program["_id"])
    except NotFoundError as exc:
        raise _errors_to_http(exc) from exc
    detail = {"run_id": run["_id"], "proposals": len(proposals), "unmatched": len(run["unmatched"])}
    await audit.record(caller, "match.run", program["_id"], program["district"], detail)
    return {**_public(run), "proposals": [_public(p) for p in proposals]}


@router.get("/programs/{program_id}/proposals", tags=["matching"], responses=GUARDED_RECORD)
async def proposals(
    program: ProgramToRead,
    matching: Service,
    status: Annotated[str | None, Query(pattern="^(draft|approved|rejected|superseded)$")] = None,
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
