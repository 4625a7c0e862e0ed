"""Metrics' HTTP API: program and district summaries of the read model.

Summaries are for a district's coordinator and for state admins; teachers get 403. A program of
another district answers exactly like a program never seen (404).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from shared.auth.http import Caller
from shared.auth.principal import Role, require_reads, require_role

from .summary import ConsumedEvents, DistrictSummary, ProgramSummary
from .workflow import NotSeenError, Projection

Responses = dict[int | str, dict[str, Any]]
UNAUTHENTICATED: Final[Responses] = {401: {"description": "Missing or invalid bearer token"}}
FORBIDDEN: Final[Responses] = {403: {"description": "The caller's role may not do this, or it names another district"}}
NOT_SEEN: Final[Responses] = {404: {"description": "No event of it has been consumed, or it is out of the caller's reach"}}

router = APIRouter(tags=["summaries"], responses={**UNAUTHENTICATED, **FORBIDDEN})


def get_projection(request: Request) -> Projection:
    return request.app.state.projection  # type: ignore[no-any-return]


Service = Annotated[Projection, Depends(get_projection)]


@router.get("/programs/{program_id}/summary", responses=NOT_SEEN, summary="Figures of one program")
async def program_summary(
    program_id: Annotated[str, Path(min_length=1, max_length=64)], caller: Caller, projection: Service
) -> ProgramSummary:
    require_role(caller, Role.STATE_ADMIN, Role.DISTRICT_COORDINATOR)
    try:
        return await projection.program_summary(program_id, readable=caller.reads_district)
    except NotSeenError as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get("/districts/{district}/summary", responses=NOT_SEEN, summary="Figures summed over a district's programs")
async def district_summary(
    district: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")], caller: Caller, projection: Service
) -> DistrictSummary:
    require_reads(caller, district)
    try:
        return await projection.district_summary(district)
    except NotSeenError as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get("/events/consumed", tags=["operations"], summary="Distinct events consumed, by type (state admins)")
async def consumed(caller: Caller, projection: Service) -> ConsumedEvents:
    require_role(caller, Role.STATE_ADMIN)
    return await projection.consumed()
