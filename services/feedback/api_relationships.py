"""Relationship routes: closure, SMART goals with progress, GROW reflections. Who may do what is in ``access``.

A relationship the caller takes no part in (or of another district) answers 404, like one that does not exist;
a role that may never do something gets 403 first.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from shared.auth.http import Caller
from shared.auth.principal import not_found, require_role
from shared.contracts.matching import EndReason
from shared.storage.mongo import Document

from . import access
from .api_common import (
    BAD_BODY,
    UNAUTHENTICATED,
    Audit,
    ClosureService,
    GoalId,
    GoalService,
    Problem,
    RelationshipId,
    Responses,
    public,
)
from .workflow import ConflictError, NotFoundError

router = APIRouter(tags=["relationships"])
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ClosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: EndReason = Field(description="completed, or the early reason code")


class ClosureOut(BaseModel):
    relationship_id: str
    reason: EndReason
    recorded_by: str = Field(description="An opaque id of who closed it")
    recorded_at: datetime


class GoalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    what: Text = Field(description="Specific: what will be achieved")
    measure: Text = Field(description="Measurable: how progress is seen")
    target_date: date = Field(description="Time-bound: by when")


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    percent: StrictInt = Field(ge=0, le=100)
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ProgressOut(BaseModel):
    percent: int
    note: str | None
    by: str
    at: datetime = Field(validation_alias="created_at")


class GoalOut(BaseModel):
    id: str
    relationship_id: str
    what: str
    measure: str
    target_date: date
    created_by: str
    created_at: datetime
    percent: int = Field(description="The latest progress update's percentage (0 before any)")
    progress: list[ProgressOut]


class ReflectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    goal: Text
    reality: Text
    options: Text
    way_forward: Text
    shared_with_partner: StrictBool = Field(default=False, description="Otherwise only its author ever reads it")


class ReflectionOut(ReflectionIn):
    model_config = ConfigDict(extra="ignore")
    id: str
    relationship_id: str
    author_id: str
    created_at: datetime


def _forbidden(what: str) -> Responses:
    return {
        **UNAUTHENTICATED,
        403: {"model": Problem, "description": what},
        404: {"model": Problem, "description": "Unknown relationship, or one the caller takes no part in"},
    }


TEACHERS_ONLY = "Only the relationship's mentor and mentee"
WRITE = {**_forbidden(TEACHERS_ONLY), **BAD_BODY}


async def _relationship(request: Request, relationship_id: str, caller: Caller, allowed: access.Check) -> Document:
    relationship = await request.app.state.feedback.repo.relationship(relationship_id)
    if relationship is None or not allowed(caller, relationship):
        raise not_found(f"relationship {relationship_id}")
    return relationship  # type: ignore[no-any-return]


@router.post(
    "/relationships/{relationship_id}/closure",
    status_code=201,
    summary="Close the relationship (completed, or early with a reason)",
    responses={
        **_forbidden("State admins never write"),
        **BAD_BODY,
        409: {"model": Problem, "description": "Already closed, or already ended"},
    },
)
async def close(
    relationship_id: RelationshipId, body: ClosureIn, closures: ClosureService, caller: Caller, audit: Audit, request: Request
) -> ClosureOut:
    """Either teacher or the district's coordinator; matching ends the relationship, then the closure survey follows."""
    require_role(caller, *access.CLOSERS)
    relationship = await _relationship(request, relationship_id, caller, access.closes)
    try:
        closure = await closures.record(relationship, caller, body.reason)
    except ConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    await audit.record(caller, "closure.recorded", relationship_id, relationship["district"], {"reason": body.reason.value})
    return ClosureOut(relationship_id=relationship_id, **{k: closure[k] for k in ("reason", "recorded_by", "recorded_at")})


@router.get("/relationships/{relationship_id}/goals", responses=_forbidden("Only the partners and their coordinator"))
async def list_goals(relationship_id: RelationshipId, goals: GoalService, caller: Caller, request: Request) -> list[GoalOut]:
    """The relationship's goals with their progress: both partners, and (read-only) the district's coordinator."""
    require_role(caller, *access.GOAL_READERS)
    await _relationship(request, relationship_id, caller, access.reads_goals)
    return [GoalOut.model_validate(public(g)) for g in await goals.goals(relationship_id)]


@router.post("/relationships/{relationship_id}/goals", status_code=201, responses=WRITE)
async def add_goal(
    relationship_id: RelationshipId, body: GoalIn, goals: GoalService, caller: Caller, request: Request
) -> GoalOut:
    """A SMART goal (what, measure, target date) set by one of the partners."""
    require_role(caller, *access.RESPONDENTS)
    relationship = await _relationship(request, relationship_id, caller, access.in_relationship)
    goal = await goals.add_goal(relationship, caller, body.what, body.measure, body.target_date)
    return GoalOut.model_validate(public(goal))


@router.post(
    "/relationships/{relationship_id}/goals/{goal_id}/progress",
    status_code=201,
    responses={**WRITE, 404: {"model": Problem, "description": "Unknown relationship or goal, or one out of reach"}},
)
async def add_progress(
    relationship_id: RelationshipId, goal_id: GoalId, body: ProgressIn, goals: GoalService, caller: Caller, request: Request
) -> GoalOut:
    """A progress update (percentage and note) on a goal, by one of the partners."""
    require_role(caller, *access.RESPONDENTS)
    await _relationship(request, relationship_id, caller, access.in_relationship)
    try:
        goal = await goals.add_progress(relationship_id, goal_id, caller, body.percent, body.note)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    return GoalOut.model_validate(public(goal))


@router.get("/relationships/{relationship_id}/reflections", responses=_forbidden(TEACHERS_ONLY))
async def list_reflections(
    relationship_id: RelationshipId, goals: GoalService, caller: Caller, request: Request
) -> list[ReflectionOut]:
    """The caller's own reflections and those their partner shared with them; nobody else reads any."""
    require_role(caller, *access.RESPONDENTS)
    await _relationship(request, relationship_id, caller, access.in_relationship)
    return [ReflectionOut.model_validate(public(r)) for r in await goals.reflections(relationship_id, caller)]


@router.post("/relationships/{relationship_id}/reflections", status_code=201, responses=WRITE)
async def add_reflection(
    relationship_id: RelationshipId, body: ReflectionIn, goals: GoalService, caller: Caller, request: Request
) -> ReflectionOut:
    """A GROW reflection (goal, reality, options, way forward), private unless shared with the partner."""
    require_role(caller, *access.RESPONDENTS)
    relationship = await _relationship(request, relationship_id, caller, access.in_relationship)
    reflection = await goals.add_reflection(relationship, caller, body.model_dump())
    return ReflectionOut.model_validate(public(reflection))
