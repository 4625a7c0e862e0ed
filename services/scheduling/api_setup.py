"""What meetings are planned from: program cadences, district calendars, teachers' availability.

Changes apply to meetings planned from then on; meetings already on the calendar stay where they are
(people move them with ``/meetings/{id}/reschedule``). Every change is audited (no content).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Request
from pydantic import BaseModel, ValidationError

from shared.auth.http import Caller
from shared.auth.principal import Role, not_found, require_manages, require_reads, require_role
from shared.contracts.envelope import DistrictId
from shared.roster import ParsedRoster, RowError
from shared.roster_upload import CSV_BODY, UPLOAD_ERRORS, ImportReport, import_report, read_roster
from shared.storage.mongo import Document

from . import access
from .api import ID_PATTERN, Audit, Responses, Service
from .cadence import ProgramCadence
from .school_calendar import Availability, DistrictCalendar, Window

router = APIRouter()
ProgramId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
ParticipantId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
District = Annotated[DistrictId, Path()]

UNAUTHENTICATED: Responses = {401: {"description": "Missing or invalid bearer token"}}
GUARDED: Responses = {**UNAUTHENTICATED, 403: {"description": "The caller's role may not do this, or it names another district"}}
RECORD: Responses = {**GUARDED, 404: {"description": "No such record in the caller's reach"}}
WRITE: Responses = {400: {"description": "The body is not parseable JSON"}}


class AvailabilityView(BaseModel):
    participant_id: str
    district: str
    windows: list[Window]


async def _program(svc: Service, program_id: str, caller: Caller, *, write: bool) -> Document:
    """The program when the caller reads (or, ``write``, manages) its district; else the 404 of an unknown one."""
    require_role(caller, *((Role.DISTRICT_COORDINATOR,) if write else (Role.STATE_ADMIN, Role.DISTRICT_COORDINATOR)))
    program = await svc.store.program(program_id)
    allowed = caller.manages_district if write else caller.reads_district
    if program is None or not allowed(program["district"]):
        raise not_found(f"program {program_id}")
    return program


@router.get("/programs/{program_id}/cadence", tags=["programs"], responses=RECORD, summary="A program's cadence")
async def get_cadence(program_id: ProgramId, svc: Service, caller: Caller) -> ProgramCadence:
    """The cadence set for the program, or the defaults when none was set."""
    return svc.store.cadence_of(await _program(svc, program_id, caller, write=False))


@router.put(
    "/programs/{program_id}/cadence",
    tags=["programs"],
    responses={**RECORD, **WRITE},
    summary="Replace a program's cadence: check-ins, observation cycle, term, reminders, overdue, induction, horizon",
)
async def set_cadence(
    program_id: ProgramId, body: Annotated[ProgramCadence, Body()], svc: Service, caller: Caller, audit: Audit
) -> ProgramCadence:
    """The program's district coordinator; used for meetings planned from now on."""
    program = await _program(svc, program_id, caller, write=True)
    await svc.store.set_cadence(program_id, body)
    await audit.record(caller, "cadence.set", program_id, program["district"])
    return body


@router.get("/districts/{district}/calendar", tags=["calendars"], responses=GUARDED, summary="A district's calendar")
async def get_calendar(district: District, svc: Service, caller: Caller) -> DistrictCalendar:
    """The calendar on file, or the service's default (UTC, Monday-Friday, 16:00-18:00, nothing closed)."""
    require_reads(caller, district)
    return await svc.store.calendar_or_default(district)


@router.put(
    "/districts/{district}/calendar",
    tags=["calendars"],
    responses={**GUARDED, **WRITE},
    summary="Replace a district's calendar: time zone, term, school days, closed days, default meeting window",
)
async def set_calendar(
    district: District, body: Annotated[DistrictCalendar, Body()], svc: Service, caller: Caller, audit: Audit
) -> DistrictCalendar:
    require_manages(caller, district)
    await svc.store.set_calendar(district, body, svc.clock())
    await audit.record(caller, "calendar.set", district, district)
    return body


@router.get(
    "/participants/{participant_id}/availability",
    tags=["calendars"],
    responses=RECORD,
    summary="A teacher's weekly availability (the teacher, their coordinator, state admins)",
)
async def get_availability(participant_id: ParticipantId, svc: Service, caller: Caller) -> AvailabilityView:
    district = access.availability_district(caller, participant_id, await svc.store.district_of(participant_id), write=False)
    doc = await svc.store.availability_of(participant_id)
    if doc is None or doc["district"] != district:
        raise not_found(f"availability of {participant_id}")
    return AvailabilityView(participant_id=participant_id, district=district, windows=doc["windows"])


@router.put(
    "/participants/{participant_id}/availability",
    tags=["calendars"],
    responses={**RECORD, **WRITE},
    summary="Replace a teacher's weekly availability windows (local time of the district)",
)
async def set_availability(
    participant_id: ParticipantId, body: Annotated[Availability, Body()], svc: Service, caller: Caller, audit: Audit
) -> AvailabilityView:
    """The teacher themself or their district's coordinator; used for meetings planned from now on."""
    district = access.availability_district(caller, participant_id, await svc.store.district_of(participant_id), write=True)
    await svc.store.set_availability(participant_id, district, body, svc.clock())
    await audit.record(caller, "availability.set", participant_id, district)
    return AvailabilityView(participant_id=participant_id, district=district, windows=body.windows)


@router.post(
    "/districts/{district}/availability",
    tags=["calendars"],
    summary="Import teachers' availability from the roster CSV (text/csv; only the availability column is kept)",
    openapi_extra=CSV_BODY,
    responses={**UPLOAD_ERRORS, **GUARDED},
)
async def import_availability(district: District, request: Request, svc: Service, caller: Caller, audit: Audit) -> ImportReport:
    """Rows with an ``availability`` cell replace that teacher's windows; rows without one change nothing."""
    require_manages(caller, district)
    roster = await read_roster(request)
    rows, errors, new = [], list(roster.errors), 0
    for row in roster.rows:
        try:
            availability = None if row.availability is None else Availability.model_validate({"windows": row.availability})
        except ValidationError as exc:
            line = roster.lines.get(row.external_id, 0)
            errors.append(RowError(line, "availability", exc.errors()[0]["msg"].removeprefix("Value error, ")))
            continue
        rows.append(row)
        if availability is not None:
            new += await svc.store.set_availability(row.participant_id(district), district, availability, svc.clock())
    kept = ParsedRoster(rows, errors, lines=roster.lines)
    await audit.record(caller, "availability.imported", district, district, {"rows": len(roster.rows)})
    return import_report(kept, new)
