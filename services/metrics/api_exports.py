"""CSV exports and the server-rendered report pages (HTML with inline SVG charts)."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from . import report
from .access import NOT_SEEN, ProgramId, ReadableDistrict, Reader, Service, StateReader, SummaryQuery, not_seen
from .exports import CSV_RESPONSE, summaries_csv, weekly_csv
from .summary import Query
from .workflow import NotSeenError, Projection, Readable

router = APIRouter()
HTML_RESPONSE: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "An HTML page with inline SVG charts", "content": {"text/html": {"schema": {"type": "string"}}}}
}
CSV_OR_NOT_SEEN = {**CSV_RESPONSE, **NOT_SEEN}
HTML_OR_NOT_SEEN = {**HTML_RESPONSE, **NOT_SEEN}


def csv(body: str, name: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(
    "/programs/{program_id}/weekly.csv",
    tags=["exports"],
    response_class=Response,
    responses=CSV_OR_NOT_SEEN,
    summary="Weekly series of one program as CSV",
)
async def program_weekly_csv(program_id: ProgramId, caller: Reader, projection: Service) -> Response:
    try:
        series = await projection.program_weekly(program_id, readable=caller.reads_district)
    except NotSeenError as exc:
        raise not_seen(exc) from exc
    return csv(weekly_csv(series), f"weekly-{program_id}.csv")


@router.get(
    "/districts/{district}/programs.csv",
    tags=["exports"],
    response_class=Response,
    responses=CSV_OR_NOT_SEEN,
    summary="Figures of every program of a district as CSV",
)
async def district_programs_csv(district: ReadableDistrict, query: SummaryQuery, projection: Service) -> Response:
    try:
        programs = await projection.program_summaries(district, query)
    except NotSeenError as exc:
        raise not_seen(exc) from exc
    return csv(summaries_csv(["program_id", "district", "as_of"], programs), f"programs-{district}.csv")


@router.get(
    "/districts/{district}/schools.csv",
    tags=["exports"],
    response_class=Response,
    responses=CSV_OR_NOT_SEEN,
    summary="Figures of every school of a district as CSV",
)
async def district_schools_csv(district: ReadableDistrict, query: SummaryQuery, projection: Service) -> Response:
    try:
        schools = await projection.school_summaries(district, query)
    except NotSeenError as exc:
        raise not_seen(exc) from exc
    return csv(summaries_csv(["school", "district", "as_of"], schools), f"schools-{district}.csv")


@router.get(
    "/state/districts.csv",
    tags=["exports"],
    response_class=Response,
    responses=CSV_RESPONSE,
    summary="Figures of every district as CSV (state admins)",
)
async def state_districts_csv(_: StateReader, query: SummaryQuery, projection: Service) -> Response:
    return csv(summaries_csv(["district", "programs", "as_of"], await projection.district_summaries(query)), "districts.csv")


@router.get(
    "/programs/{program_id}/report",
    tags=["reports"],
    response_class=HTMLResponse,
    responses=HTML_OR_NOT_SEEN,
    summary="The program's report page: key figures and charts",
)
async def program_report(program_id: ProgramId, caller: Reader, query: SummaryQuery, projection: Service) -> HTMLResponse:
    return await program_page(projection, program_id, query, caller.reads_district)


@router.get(
    "/districts/{district}/report",
    tags=["reports"],
    response_class=HTMLResponse,
    responses=HTML_OR_NOT_SEEN,
    summary="The district's report page: key figures, charts, programs and schools",
)
async def district_report(district: ReadableDistrict, query: SummaryQuery, projection: Service) -> HTMLResponse:
    return await district_page(projection, district, query)


async def program_page(projection: Projection, program_id: str, query: Query, readable: Readable) -> HTMLResponse:
    try:
        summary = await projection.program_summary(program_id, query, readable=readable)
        series = await projection.program_weekly(program_id, readable=readable)
    except NotSeenError as exc:
        raise not_seen(exc) from exc
    return HTMLResponse(report.program_page(summary, series))


async def district_page(projection: Projection, district: str, query: Query) -> HTMLResponse:
    try:
        summary = await projection.district_summary(district, query)
        series = await projection.district_weekly(district)
        programs = await projection.program_summaries(district, query)
        schools = await projection.school_summaries(district, query)
    except NotSeenError as exc:
        raise not_seen(exc) from exc
    return HTMLResponse(report.district_page(summary, series, programs, schools))
