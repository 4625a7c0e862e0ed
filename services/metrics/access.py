"""Who reads which figures, and the query every summary takes, as FastAPI dependencies.

State admins read the state and every district; a district's coordinator reads their own district and
its programs and schools; teachers read no figures (403). A program of another district answers
exactly like a program never seen (404); naming another district in the path is a 403.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import Depends, HTTPException, Path, Request
from fastapi import Query as Param
from fastapi.exceptions import RequestValidationError

from shared.auth.http import Caller
from shared.auth.principal import Role, require_reads, require_role

from .summary import Query
from .workflow import NotSeenError, Projection

Responses = dict[int | str, dict[str, Any]]
UNAUTHENTICATED: Final[Responses] = {401: {"description": "Missing or invalid bearer token"}}
FORBIDDEN: Final[Responses] = {403: {"description": "The caller's role may not do this, or it names another district"}}
NOT_SEEN: Final[Responses] = {404: {"description": "No event of it has been consumed, or it is out of the caller's reach"}}
BAD_QUERY: Final[Responses] = {422: {"description": "A query parameter is malformed or out of range (names it)"}}
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)

ProgramId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
District = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


def get_projection(request: Request) -> Projection:
    return request.app.state.projection  # type: ignore[no-any-return]


Service = Annotated[Projection, Depends(get_projection)]


def summary_query(
    projection: Service,
    as_of: Annotated[
        datetime | None, Param(description="The instant the figures are for (default: now); years 2000-2099")
    ] = None,
    term: Annotated[
        str | None,
        Param(
            pattern=r"^[0-9]{4}-[0-9]{2}$",
            description="A term like 2025-26 (default: the one of as_of); retention looks at the next",
        ),
    ] = None,
) -> Query:
    if as_of is not None:
        aware = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
        if not EARLIEST <= aware < LATEST:
            error = {"loc": ("query", "as_of"), "msg": "must be in the years 2000-2099", "type": "value_error"}
            raise RequestValidationError([error])
    return projection.query(as_of, term)


SummaryQuery = Annotated[Query, Depends(summary_query)]


def reader(caller: Caller) -> Caller:
    """403 unless a state admin or a district coordinator."""
    require_role(caller, Role.STATE_ADMIN, Role.DISTRICT_COORDINATOR)
    return caller


Reader = Annotated[Caller, Depends(reader)]


def district_reader(district: District, caller: Caller) -> str:
    """The district named in the path, if the caller reads it (403 otherwise)."""
    require_reads(caller, district)
    return district


ReadableDistrict = Annotated[str, Depends(district_reader)]


def state_reader(caller: Caller) -> Caller:
    require_role(caller, Role.STATE_ADMIN)
    return caller


StateReader = Annotated[Caller, Depends(state_reader)]


def not_seen(exc: NotSeenError) -> HTTPException:
    return HTTPException(404, str(exc))
