"""Scheduling's HTTP API for meetings: read them, record outcomes, reschedule, cancel. Who may do what is in ``access``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from shared.audit import Audit as Audit  # re-exported for the other route modules
from shared.auth.http import Caller
from shared.auth.principal import not_found, require_role
from shared.contracts.envelope import OpaqueId
from shared.contracts.scheduling import MeetingKind
from shared.storage.mongo import Document

from . import access
from .workflow import (
    InvalidAbsenteesError,
    MeetingNotFoundError,
    OutcomeConflictError,
    RescheduleRefusedError,
    Scheduling,
)

router = APIRouter(tags=["meetings"])
ID_PATTERN = r"^[A-Za-z0-9_-]+$"


def get_scheduling(request: Request) -> Scheduling:
    return request.app.state.scheduling  # type: ignore[no-any-return]


Service = Annotated[Scheduling, Depends(get_scheduling)]
MeetingId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
IdFilter = Annotated[str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN)]


class Problem(BaseModel):
    detail: str


class Meeting(BaseModel):
    """A meeting as stored; outcome fields are set once it is completed, missed or cancelled."""

    id: str
    program_id: str
    district: str
    relationship_id: str
    kind: MeetingKind
    participant_ids: list[str]
    starts_at: datetime
    duration_minutes: int = Field(description="Planned length")
    time_zone: str = Field(default="UTC", description="The district's time zone (IANA): how participants read the time")
    status: Literal["scheduled", "completed", "missed", "cancelled"]
    sequence: int = Field(default=0, description="How often the meeting was rescheduled (its iCalendar SEQUENCE)")
    previous_starts_at: datetime | None = Field(default=None, description="The start before the last reschedule")
    reschedule_reason: str | None = None
    overdue_at: datetime | None = Field(default=None, description="When it was flagged as not marked in time")
    actual_minutes: int | None = Field(default=None, description="Minutes held, when completed")
    absent_ids: list[str] | None = Field(default=None, description="Who was absent, when missed")
    outcome_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    cancelled_by: str | None = Field(default=None, description="Who cancelled it; None when the platform did")


class Completion(BaseModel):
    duration_minutes: int = Field(ge=1, le=480, description="Minutes the meeting actually lasted")


class Absence(BaseModel):
    absent_ids: list[OpaqueId] = Field(min_length=1, description="Participants who did not attend")


Reason = Annotated[str, Field(min_length=1, max_length=500, description="Kept by scheduling, never published")]


class Move(BaseModel):
    starts_at: AwareDatetime = Field(description="The new start, with its UTC offset")
    reason: Reason


class Cancellation(BaseModel):
    reason: Reason


Responses = dict[int | str, dict[str, Any]]
UNAUTHENTICATED: Responses = {401: {"model": Problem, "description": "Missing or invalid bearer token"}}
LIST: Responses = {
    **UNAUTHENTICATED,
    403: {"model": Problem, "description": "A mentor or mentee named another participant"},
}
NOT_FOUND: Responses = {
    **UNAUTHENTICATED,
    404: {"model": Problem, "description": "Unknown meeting, or one the caller may not see"},
}
OUTCOME: Responses = {
    **NOT_FOUND,
    400: {"model": Problem, "description": "The body is not parseable JSON"},
    403: {"model": Problem, "description": "State admins read meetings but never record outcomes"},
    409: {"model": Problem, "description": "The meeting already has another outcome or was cancelled"},
}
CHANGE: Responses = {
    **OUTCOME,
    403: {"model": Problem, "description": "State admins read meetings but never change them"},
    409: {"model": Problem, "description": "The meeting is not scheduled any more, or changed meanwhile"},
}


def _meeting(doc: Document) -> Meeting:
    return Meeting.model_validate({("id" if k == "_id" else k): v for k, v in doc.items()})


def _field_error(location: str, field: str, message: str) -> HTTPException:
    # Same shape as FastAPI's own validation errors, so clients read one format.
    return HTTPException(422, [{"loc": [location, field], "msg": message, "type": "value_error"}])


async def _meeting_for(svc: Scheduling, meeting_id: str, caller: Caller, allowed: access.Check) -> Document:
    """The stored meeting when ``allowed``; else 404, exactly as for a meeting that does not exist."""
    try:
        meeting = await svc.meeting(meeting_id)
    except MeetingNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    if not allowed(caller, meeting):
        raise not_found(f"meeting {meeting_id}")
    return meeting


@router.get("/meetings", responses=LIST, summary="Meetings of a relationship and/or a participant, earliest first")
async def list_meetings(
    svc: Service, caller: Caller, relationship_id: IdFilter = None, participant_id: IdFilter = None
) -> list[Meeting]:
    """Teachers get the meetings they take part in, coordinators their district's, state admins any."""
    query = access.scoped(caller, relationship_id, participant_id)
    if not query.narrowed:
        raise _field_error("query", "relationship_id", "give relationship_id or participant_id (or both)")
    return [_meeting(d) for d in await svc.repo.find(query.relationship_id, query.participant_id, query.district)]


@router.get("/meetings/{meeting_id}", responses=NOT_FOUND)
async def get_meeting(meeting_id: MeetingId, svc: Service, caller: Caller) -> Meeting:
    """A meeting its participants, its district's coordinator or a state admin may read."""
    return _meeting(await _meeting_for(svc, meeting_id, caller, access.may_read))


@router.post("/meetings/{meeting_id}/complete", responses=OUTCOME, summary="Record that the meeting was held")
async def complete(meeting_id: MeetingId, body: Completion, svc: Service, caller: Caller, audit: Audit) -> Meeting:
    """A participant or the district's coordinator records the minutes held."""
    require_role(caller, *access.RECORDERS)
    meeting = await _meeting_for(svc, meeting_id, caller, access.may_record)
    try:
        done = await svc.complete(meeting, body.duration_minutes)
    except OutcomeConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    await audit.record(caller, "meeting.completed", meeting_id, meeting["district"])  # no content: action + target
    return _meeting(done)


@router.post("/meetings/{meeting_id}/missed", responses=OUTCOME, summary="Record that the meeting did not take place")
async def missed(meeting_id: MeetingId, body: Absence, svc: Service, caller: Caller, audit: Audit) -> Meeting:
    """A participant or the district's coordinator records who was absent."""
    require_role(caller, *access.RECORDERS)
    meeting = await _meeting_for(svc, meeting_id, caller, access.may_record)
    try:
        done = await svc.miss(meeting, body.absent_ids)
    except InvalidAbsenteesError as exc:
        raise _field_error("body", "absent_ids", str(exc)) from exc
    except OutcomeConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    await audit.record(caller, "meeting.missed", meeting_id, meeting["district"])
    return _meeting(done)


@router.post(
    "/meetings/{meeting_id}/reschedule",
    responses={**CHANGE, 422: {"description": "Bad input, or the new time is on a closed day, outside the term or past"}},
    summary="Move a scheduled meeting (a participant or the district's coordinator)",
)
async def reschedule(meeting_id: MeetingId, body: Move, svc: Service, caller: Caller, audit: Audit) -> Meeting:
    """Move the meeting; its reminders are planned again and ``sequence`` goes up by one."""
    require_role(caller, *access.RECORDERS)
    meeting = await _meeting_for(svc, meeting_id, caller, access.may_record)
    try:
        moved = await svc.reschedule(meeting, body.starts_at, access.actor_id(caller), body.reason)
    except RescheduleRefusedError as exc:
        raise _field_error("body", "starts_at", str(exc)) from exc
    except OutcomeConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    await audit.record(caller, "meeting.rescheduled", meeting_id, meeting["district"])
    return _meeting(moved)


@router.post("/meetings/{meeting_id}/cancel", responses=CHANGE, summary="Cancel a scheduled meeting")
async def cancel(meeting_id: MeetingId, body: Cancellation, svc: Service, caller: Caller, audit: Audit) -> Meeting:
    """A participant or the district's coordinator cancels; repeating it answers with the cancelled meeting."""
    require_role(caller, *access.RECORDERS)
    meeting = await _meeting_for(svc, meeting_id, caller, access.may_record)
    try:
        done = await svc.cancel(meeting, access.actor_id(caller), body.reason)
    except OutcomeConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    await audit.record(caller, "meeting.cancelled", meeting_id, meeting["district"])
    return _meeting(done)
