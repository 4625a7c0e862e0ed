"""Metrics' HTTP API: summaries and weekly series of programs, districts, schools and the state.

Every summary takes ``as_of`` and ``term`` (see ``access.summary_query``); survey figures below k
answers are null with ``suppressed: true``. CSV exports and report pages are in ``api_exports``.
"""

from __future__ import annotations

from fastapi import APIRouter

from .access import (
    BAD_QUERY,
    FORBIDDEN,
    NOT_SEEN,
    UNAUTHENTICATED,
    ProgramId,
    ReadableDistrict,
    Reader,
    Service,
    StateReader,
    SummaryQuery,
    not_seen,
)
from .api_exports import router as exports
from .api_links import router as links
from .views import ConsumedEvents, DistrictSummary, ProgramSummary, SchoolSummary, StateSummary, WeeklySeries
from .workflow import NotSeenError

router = APIRouter(tags=["summaries"], responses={**UNAUTHENTICATED, **FORBIDDEN})
SEEN = {**NOT_SEEN, **BAD_QUERY}


@router.get("/programs/{program_id}/summary", responses=SEEN, summary="Figures of one program")
async def program_summary(program_id: ProgramId, caller: Reader, query: SummaryQuery, projection: Service) -> ProgramSummary:
    try:
        return await projection.program_summary(program_id, query, readable=caller.reads_district)
    except NotSeenError as exc:
        raise not_seen(exc) from exc


@router.get("/programs/{program_id}/weekly", responses=NOT_SEEN, summary="Weekly series of one program")
async def program_weekly(program_id: ProgramId, caller: Reader, projection: Service) -> WeeklySeries:
    try:
        return await projection.program_weekly(program_id, readable=caller.reads_district)
    except NotSeenError as exc:
        raise not_seen(exc) from exc


@router.get("/districts/{district}/summary", responses=SEEN, summary="Figures summed over a district's programs")
async def district_summary(district: ReadableDistrict, query: SummaryQuery, projection: Service) -> DistrictSummary:
    try:
        return await projection.district_summary(district, query)
    except NotSeenError as exc:
        raise not_seen(exc) from exc


@router.get("/districts/{district}/weekly", responses=NOT_SEEN, summary="Weekly series of a district")
async def district_weekly(district: ReadableDistrict, projection: Service) -> WeeklySeries:
    try:
        return await projection.district_weekly(district)
    except NotSeenError as exc:
        raise not_seen(exc) from exc


@router.get("/districts/{district}/programs", responses=SEEN, summary="Figures of every program of a district")
async def district_programs(district: ReadableDistrict, query: SummaryQuery, projection: Service) -> list[ProgramSummary]:
    try:
        return await projection.program_summaries(district, query)
    except NotSeenError as exc:
        raise not_seen(exc) from exc


@router.get("/districts/{district}/schools", responses=SEEN, summary="Figures of every school of a district")
async def district_schools(district: ReadableDistrict, query: SummaryQuery, projection: Service) -> list[SchoolSummary]:
    try:
        return await projection.school_summaries(district, query)
    except NotSeenError as exc:
        raise not_seen(exc) from exc


@router.get("/state/summary", responses=BAD_QUERY, summary="Figures summed over every district (state admins)")
async def state_summary(_: StateReader, query: SummaryQuery, projection: Service) -> StateSummary:
    return await projection.state_summary(query)


@router.get("/state/weekly", summary="Weekly series of the whole state (state admins)")
async def state_weekly(_: StateReader, projection: Service) -> WeeklySeries:
    return await projection.state_weekly()


@router.get("/state/districts", responses=BAD_QUERY, summary="Figures of every district (state admins)")
async def state_districts(_: StateReader, query: SummaryQuery, projection: Service) -> list[DistrictSummary]:
    return await projection.district_summaries(query)


@router.get("/events/consumed", tags=["operations"], summary="Distinct events consumed, by type (state admins)")
async def consumed(_: StateReader, projection: Service) -> ConsumedEvents:
    return await projection.consumed()


router.include_router(exports)
router.include_router(links)
