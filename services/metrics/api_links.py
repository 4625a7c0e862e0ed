"""Report links (see ``links``): made with a bearer token by whoever may read the report; opened without one.

``GET /reports/{secret}`` is mounted outside the bearer-token routes on purpose, like the calendar feed:
a browser following a link sends no token, so the secret in the URL is the credential. Anything that is
not a live secret, well-formed or not, gets the same 404.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated, Final, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from shared.audit import Audit
from shared.auth.principal import not_found

from .access import NOT_SEEN, ProgramId, ReadableDistrict, Reader, Responses, Service, not_seen
from .api_exports import HTML_RESPONSE, district_page, program_page
from .links import ReportLinks, Scope
from .workflow import NotSeenError

T = TypeVar("T")

router = APIRouter(tags=["reports"])
public = APIRouter(tags=["reports"])
NO_LINK: Final[Responses] = {404: {"description": "No live link has this secret (never made, or expired)"}}


def get_links(request: Request) -> ReportLinks:
    return request.app.state.links  # type: ignore[no-any-return]


Links = Annotated[ReportLinks, Depends(get_links)]


class ReportLink(BaseModel):
    url: str = Field(description="Opens the report page in a browser without a token, until it expires")
    expires_at: datetime


async def _link(request: Request, links: ReportLinks, scope: Scope, ident: str, district: str, by: str) -> ReportLink:
    secret, expires = await links.create(scope, ident, district, by)
    base = request.app.state.report_base_url or str(request.base_url).rstrip("/")
    return ReportLink(url=f"{base}/reports/{secret}", expires_at=datetime.fromtimestamp(expires, UTC))


async def _seen(pending: Awaitable[T]) -> T:
    try:
        return await pending
    except NotSeenError as exc:
        raise not_seen(exc) from exc


@router.post(
    "/programs/{program_id}/report-link",
    responses=NOT_SEEN,
    summary="A link that opens the program's report page in a browser, without a token, until it expires",
)
async def program_report_link(
    request: Request, program_id: ProgramId, caller: Reader, projection: Service, links: Links, audit: Audit
) -> ReportLink:
    district = await _seen(projection.program_district(program_id, caller.reads_district))
    link = await _link(request, links, "program", program_id, district, caller.subject)
    await audit.record(caller, "report_link.created", f"program:{program_id}", district)
    return link


@router.post(
    "/districts/{district}/report-link",
    responses=NOT_SEEN,
    summary="A link that opens the district's report page in a browser, without a token, until it expires",
)
async def district_report_link(
    request: Request, district: ReadableDistrict, caller: Reader, projection: Service, links: Links, audit: Audit
) -> ReportLink:
    await _seen(projection.district_cell(district))
    link = await _link(request, links, "district", district, district, caller.subject)
    await audit.record(caller, "report_link.created", f"district:{district}", district)
    return link


@public.get(
    "/reports/{secret}",
    response_class=HTMLResponse,
    responses={**HTML_RESPONSE, **NO_LINK},
    summary="A report page opened by a report link; the secret in the URL is the credential (no bearer token)",
)
async def linked_report(secret: str, links: Links, projection: Service) -> HTMLResponse:
    opened = await links.open(secret)
    if opened is None:
        raise not_found("report link")
    query = projection.query(None, None)
    if opened.scope == "program":
        return await program_page(projection, opened.id, query, lambda district: district == opened.district)
    return await district_page(projection, opened.id, query)
