"""Metrics' HTTP API: program and district summaries of the read model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from .summary import ConsumedEvents, DistrictSummary, ProgramSummary
from .workflow import NotSeenError, Projection

router = APIRouter(tags=["summaries"])
NOT_SEEN: dict[int | str, dict[str, Any]] = {404: {"description": "No event of it has been consumed"}}


def get_projection(request: Request) -> Projection:
    return request.app.state.projection  # type: ignore[no-any-return]


Service = Annotated[Projection, Depends(get_projection)]


@router.get("/programs/{program_id}/summary", responses=NOT_SEEN, summary="Figures of one program")
async def program_summary(program_id: Annotated[str, Path(min_length=1, max_length=64)], projection: Service) -> ProgramSummary:
    try:
        return await projection.program_summary(program_id)
    except NotSeenError as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get("/districts/{district}/summary", responses=NOT_SEEN, summary="Figures summed over a district's programs")
async def district_summary(
    district: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")], projection: Service
) -> DistrictSummary:
    try:
        return await projection.district_summary(district)
    except NotSeenError as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get("/events/consumed", tags=["operations"], summary="Distinct events consumed, by type")
async def consumed(projection: Service) -> ConsumedEvents:
    return await projection.consumed()
