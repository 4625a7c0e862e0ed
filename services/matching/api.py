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
from shared.contracts.matching import EndReason, ProgramModel, Role, TeachingStatus
from shared.roster import ParsedRoster
from shared.roster_upload import (
    CSV_BODY,
    ONEROSTER_BODY,
    ONEROSTER_ERRORS,
    UPLOAD_ERRORS,
    ImportReport,
    OneRosterReport,
    import_report,
    oneroster_report,
    read_oneroster,
    read_roster,
)
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
from .export import CSV_RESPONSE, participants_csv
from .policy import PolicyError, ProgramPolicy, ProgramSettings, fit_roster
from .workflow import ConflictError, NotFoundError

router = APIRouter(responses=UNAUTHENTICATED)


class NewProgram(ProgramPolicy):
    """A program; ``rules`` and ``settings`` may be left out (the defaults) and changed later."""

    district: DistrictId
    name: str = Field(min_length=1, max_length=200)
    model: ProgramModel = ProgramModel.ONE_TO_ONE


class EndRequest(BaseModel):
    reason: EndReason


class StatusRequest(BaseModel):
    status: TeachingStatus
    term: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$", description="school year, e.g. 2027-28")


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
    roster = fit_roster(ProgramModel(program["model"]), await read_roster(request))
    new_ids = await _import(program, roster, caller, matching, audit)
    return import_report(roster, new_ids)


@router.post(
    "/programs/{program_id}/oneroster",
    tags=["programs"],
    summary="Import a OneRoster 1.2 CSV export (application/zip): its teachers' rostering fields (school, grades); "
    "the profile columns may come as metadata.mentoring.* columns or later from the roster CSV",
    openapi_extra=ONEROSTER_BODY,
    responses={**ONEROSTER_ERRORS, **GUARDED_RECORD},
)
async def import_oneroster(
    program: ProgramToWrite,
    request: Request,
    caller: Caller,
    matching: Service,
    audit: Audit,
    role: Annotated[Role | None, Query(description="program role of teachers whose metadata.mentoring.role is empty")] = None,
) -> OneRosterReport:
    roster = fit_roster(ProgramModel(program["model"]), await read_oneroster(request, role))
    return oneroster_report(roster, await _import(program, roster, caller, matching, audit))


async def _import(program: Document, roster: ParsedRoster, caller: Caller, matching: Service, audit: Audit) -> int:
    try:
        new_ids = await matching.import_roster(program["_id"], roster)
    except NotFoundError as exc:
        raise _errors_to_http(exc) from exc
    counts = {"accepted": len(roster.rows), "new": len(new_ids), "rejected_rows": len(roster.errors), "skipped": roster.skipped}
    if not roster.skipped:
        counts.pop("skipped")
    await audit.record(caller, "roster.imported", program["_id"], program["district"], counts)
    return len(new_ids)


@router.get("/programs/{program_id}/participants", tags=["programs"], responses=GUARDED_RECORD)
async def participants(program: ProgramToRead, matching: Service) -> list[dict[str, Any]]:
    return await matching.repo.participants_of(program["_id"], program["district"])


@router.post(
    "/programs/{program_id}/participants/{participant_id}/status",
    tags=["programs"],
    summary="Record whether a participant still teaches in a school year (retention figures)",
    responses={**GUARDED_RECORD, **UNREADABLE_JSON},
)
async def set_status(
    program: ProgramToWrite, participant_id: str, body: StatusRequest, caller: Caller, matching: Service, audit: Audit
) -> dict[str, Any]:
    try:
        person = await matching.set_status(program, participant_id, body.status, body.term)
    except NotFoundError as exc:
        raise _errors_to_http(exc) from exc
    await audit.record(caller, "participant.status_set", participant_id, program["district"], {"term": body.term})
    return person


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
