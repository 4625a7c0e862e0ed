"""Who takes part, over HTTP: roster CSV and OneRoster imports, participants, their export and teaching status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from shared.auth.http import Caller
from shared.contracts.matching import ProgramModel, Role, TeachingStatus
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

from .access import GUARDED_RECORD, UNAUTHENTICATED, UNREADABLE_JSON, Audit, ProgramToRead, ProgramToWrite, Service
from .api import _errors_to_http
from .enrolment import Enrolment
from .export import CSV_RESPONSE, participants_csv
from .policy import fit_roster
from .workflow import NotFoundError

router = APIRouter(responses=UNAUTHENTICATED)


def get_enrolment(request: Request) -> Enrolment:
    return request.app.state.enrolment  # type: ignore[no-any-return]


Enrolments = Annotated[Enrolment, Depends(get_enrolment)]


class StatusRequest(BaseModel):
    status: TeachingStatus
    term: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$", description="school year, e.g. 2027-28")


@router.post(
    "/programs/{program_id}/roster",
    tags=["programs"],
    summary="Import a roster CSV (text/csv body); valid rows are kept, invalid ones reported by line",
    openapi_extra=CSV_BODY,
    responses={**UPLOAD_ERRORS, **GUARDED_RECORD},
)
async def import_roster(
    program: ProgramToWrite, request: Request, caller: Caller, enrolment: Enrolments, audit: Audit
) -> ImportReport:
    roster = fit_roster(ProgramModel(program["model"]), await read_roster(request))
    new_ids = await _import(program, roster, caller, enrolment, audit)
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
    enrolment: Enrolments,
    audit: Audit,
    role: Annotated[Role | None, Query(description="program role of teachers whose metadata.mentoring.role is empty")] = None,
) -> OneRosterReport:
    roster = fit_roster(ProgramModel(program["model"]), await read_oneroster(request, role))
    return oneroster_report(roster, await _import(program, roster, caller, enrolment, audit))


async def _import(program: Document, roster: ParsedRoster, caller: Caller, enrolment: Enrolment, audit: Audit) -> int:
    try:
        new_ids = await enrolment.import_roster(program["_id"], roster)
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
    program: ProgramToWrite, participant_id: str, body: StatusRequest, caller: Caller, enrolment: Enrolments, audit: Audit
) -> dict[str, Any]:
    try:
        person = await enrolment.set_status(program, participant_id, body.status, body.term)
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
