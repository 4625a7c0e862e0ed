"""What the API answers: summaries of a program, district, school or the state, and weekly series. Pure: no I/O."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from pydantic import BaseModel, Field

from .cells import Cell, Series
from .summary import Figures, Query, figures

MAX_FILLED_WEEKS: Final = 520


class _Query(BaseModel):
    as_of: datetime = Field(description="The instant the figures are computed for")
    term: str = Field(description="The term given (retention looks at the next one)")
    k: int = Field(description="Survey figures backed by fewer answers are suppressed")


class _ProgramKey(BaseModel):
    program_id: str
    district: str


class _DistrictKey(BaseModel):
    district: str
    programs: int


class _SchoolKey(BaseModel):
    district: str
    school: str
    programs: int


class _StateKey(BaseModel):
    districts: int
    programs: int


# Bases listed Figures first so that the key fields come first in the JSON (pydantic orders by reversed MRO).
class ProgramSummary(Figures, _Query, _ProgramKey):
    """Figures of one program."""


class DistrictSummary(Figures, _Query, _DistrictKey):
    """Figures summed over every program of one district."""


class SchoolSummary(Figures, _Query, _SchoolKey):
    """Figures of one school of a district (its participants, and relationships of its mentees)."""


class StateSummary(Figures, _Query, _StateKey):
    """Figures summed over every district."""


class Week(BaseModel):
    week: str = Field(description="The week's Monday (ISO date, UTC)")
    enrolled: int
    relationships_started: int
    relationships_ended: int
    meetings_completed: int
    meetings_missed: int
    meetings_cancelled: int
    mentor_hours: float
    responses: int = Field(description="1-5 ratings received that week (named answers; anonymous batches by release)")
    mean_rating: float | None
    suppressed: bool = Field(description="mean_rating withheld: fewer than k ratings that week")


class WeeklySeries(BaseModel):
    scope: str = Field(description="program, district or state")
    id: str = Field(description="The program id, the district, or 'state'")
    k: int
    weeks: list[Week]


class ConsumedEvents(BaseModel):
    events_consumed: int = Field(description="Distinct envelopes (by id) consumed")
    by_type: dict[str, int]


def _body(query: Query, cell: Cell, **keys: object) -> dict[str, object]:
    return {**keys, "as_of": query.as_of, "term": query.term, "k": query.k, **dict(figures(cell, query))}


def program_summary(program_id: str, district: str, cell: Cell, query: Query) -> ProgramSummary:
    return ProgramSummary.model_validate(_body(query, cell, program_id=program_id, district=district))


def district_summary(district: str, cell: Cell, query: Query) -> DistrictSummary:
    return DistrictSummary.model_validate(_body(query, cell, district=district, programs=cell.programs))


def school_summary(district: str, school: str, cell: Cell, query: Query) -> SchoolSummary:
    return SchoolSummary.model_validate(_body(query, cell, district=district, school=school, programs=cell.programs))


def state_summary(districts: int, cell: Cell, query: Query) -> StateSummary:
    return StateSummary.model_validate(_body(query, cell, districts=districts, programs=cell.programs))


def weekly(scope: str, scope_id: str, series: Series, k: int) -> WeeklySeries:
    """Every week from the first to the last with anything in it (quiet weeks in between as zeros)."""
    weeks = []
    for week in _weeks(sorted(series)):
        tally = series.get(week, {})
        responses = tally.get("responses", 0)
        hidden = responses < k
        weeks.append(
            Week(
                week=week,
                enrolled=tally.get("enrolled", 0),
                relationships_started=tally.get("started", 0),
                relationships_ended=tally.get("ended", 0),
                meetings_completed=tally.get("completed", 0),
                meetings_missed=tally.get("missed", 0),
                meetings_cancelled=tally.get("cancelled", 0),
                mentor_hours=tally.get("minutes", 0) / 60,
                responses=responses,
                mean_rating=None if hidden else tally.get("rating_sum", 0) / responses,
                suppressed=hidden,
            )
        )
    return WeeklySeries(scope=scope, id=scope_id, k=k, weeks=weeks)


def _weeks(known: list[str]) -> list[str]:
    """``known`` with the quiet weeks in between, unless that would be more than ``MAX_FILLED_WEEKS``."""
    if not known:
        return []
    first, last = date.fromisoformat(known[0]), date.fromisoformat(known[-1])
    span = (last - first).days // 7 + 1
    if span > MAX_FILLED_WEEKS:  # e.g. one meeting dated years away: list the weeks with something only
        return known
    return [(first + timedelta(weeks=i)).isoformat() for i in range(span)]
