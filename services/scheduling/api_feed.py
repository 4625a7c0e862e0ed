"""The iCalendar feed: a teacher makes (or rotates) their feed URL; calendar apps fetch it without a token.

``GET /calendar/{secret}.ics`` is mounted outside the bearer-token routes on purpose: calendar clients
cannot send a token, so the URL's secret is the credential (see ``feed``). Anything that is not a live
secret, well-formed or not, gets the same 404.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field

from shared.auth.http import Caller
from shared.auth.principal import not_found, require_role

from . import access
from .api import Audit, Responses
from .feed import Feeds

router = APIRouter(tags=["calendar feed"])
public = APIRouter(tags=["calendar feed"])
SECRET: Final = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
ICS: Final[Responses] = {
    200: {"description": "The person's meetings (RFC 5545)", "content": {"text/calendar": {"schema": {"type": "string"}}}},
    404: {"description": "No feed has this secret (never made, or rotated since)"},
}


def get_feeds(request: Request) -> Feeds:
    return request.app.state.feeds  # type: ignore[no-any-return]


FeedService = Annotated[Feeds, Depends(get_feeds)]


class FeedLink(BaseModel):
    url: str = Field(description="Subscribe to it in a calendar app; anyone with the URL sees when you meet (not with whom)")


@router.post(
    "/me/calendar-feed",
    responses={
        401: {"description": "Missing or invalid bearer token"},
        403: {"description": "Only mentors and mentees have a feed"},
    },
    summary="Make a new secret URL for my meetings' calendar feed (the previous URL stops working)",
)
async def rotate_feed(request: Request, feeds: FeedService, caller: Caller, audit: Audit) -> FeedLink:
    require_role(caller, *access.TEACHERS)
    secret = await feeds.rotate(caller.subject, str(caller.district))
    await audit.record(caller, "calendar_feed.rotated", caller.subject, caller.district)
    base = request.app.state.feed_base_url or str(request.base_url).rstrip("/")
    return FeedLink(url=f"{base}/calendar/{secret}.ics")


@public.get(
    "/calendar/{secret}.ics",
    response_class=Response,
    responses=ICS,
    summary="A person's meetings as iCalendar; the secret in the URL is the credential (no bearer token)",
)
async def calendar_feed(secret: Annotated[str, Path(max_length=200)], feeds: FeedService) -> Response:
    body = await feeds.calendar(secret) if SECRET.match(secret) else None
    if body is None:
        raise not_found("calendar feed")
    return Response(body, media_type="text/calendar; charset=utf-8", headers={"Cache-Control": "private, max-age=300"})
