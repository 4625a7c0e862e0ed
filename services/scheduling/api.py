"""Scheduling's HTTP API: read meetings, record their outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from shared.contracts.envelope import OpaqueId
from shared.contracts.scheduling import MeetingKind
from shared.storage.mongo import Document

from .workflow import InvalidAbsenteesError, MeetingNotFoundError, OutcomeConflictError, Scheduling

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
    status: Literal["scheduled", "completed", "missed", "cancelled"]
    actual_minutes: int | None = Field(default=None, description="Minutes held, when completed")
    absent_ids: list[str] | None = Field(default=None, description="Who was absent, when missed")
    outcome_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None


class Completion(BaseModel):
    duration_minutes: int = Field(ge=1, le=480, description="Minutes the meeting actually lasted")


class Absence(BaseModel):
    absent_ids: list[OpaqueId] = Field(min_length=1, description="Participants who did not attend")


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Unknown meeting"}}
OUTCOME: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"model": Problem, "description": "The meeting already has another outcome or was cancelled"},
}


def _meeting(doc: Document) -> Meeting:
    return Meeting.model_validate({("id" if k == "_id" else k): v for k, v in doc.items()})


def _field_error(location: str, field: str, message: str) -> HTTPException:
    # Same shape as FastAPI's own validation errors, so clients read one format.
    return HTTPException(422, [{"loc": [location, field], "msg": message, "type": "value_error"}])


@router.get("/meetings", summary="Meetings of a relationship and/or a participant, earliest first")
async def list_meetings(svc: Service, relationship_id: IdFilter = None, participant_id: IdFilter = None) -> list[Meeting]:
    if not relationship_id and not participant_id:
        raise _field_error("query", "relationship_id", "give relationship_id or participant_id (or both)")
    return [_meeting(d) for d in await svc.repo.find(relationship_id, participant_id)]


@router.get("/meetings/{meeting_id}", responses=NOT_FOUND)
async def get_meeting(meeting_id: MeetingId, svc: Service) -> Meeting:
    try:
        return _meeting(await svc.meeting(meeting_id))
    except MeetingNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc


@router.post("/meetings/{meeting_id}/complete", responses=OUTCOME, summary="Record that the meeting was held")
async def complete(meeting_id: MeetingId, body: Completion, svc: Service) -> Meeting:
    try:
        return _meeting(await svc.complete(meeting_id, body.duration_minutes))
    except MeetingNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except OutcomeConflictError as exc:
        raise HTTPException(409, str(exc)) from exc


@router.post("/meetings/{meeting_id}/missed", responses=OUTCOME, summary="Record that the meeting did not take place")
async def missed(meeting_id: MeetingId, body: Absence, svc: Service) -> Meeting:
    try:
        return _meeting(await svc.miss(meeting_id, body.absent_ids))
    except MeetingNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except InvalidAbsenteesError as exc:
        raise _field_error("body", "absent_ids", str(exc)) from exc
    except OutcomeConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
