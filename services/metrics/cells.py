"""Cells: additive tallies of one program (or school), from which every figure follows. Pure: no I/O.

A district's cell is the sum of its programs' cells, the state's the sum of the districts'. Everything
in a cell adds up (counts, histograms) or joins (first and last week), so sums are exact: the median
time-to-match of a district comes from the merged histogram of whole hours, not from medians.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .derived import RATINGS, RECOMMENDS, SEEKERS
from .rows import Row

Tally = dict[str, int]
Series = dict[str, Tally]  # week (its Monday) -> tallies of that week


def _add(into: Tally, key: str, n: int) -> None:
    if key and n:
        into[key] = into.get(key, 0) + n


@dataclass
class Cell:
    programs: int = 0
    roles: Tally = field(default_factory=dict)  # enrolled participants by role
    matched: int = 0  # enrolled mentees (and peers) with a relationship
    ttm_hours: Tally = field(default_factory=dict)  # whole hours from enrolment to first relationship -> matched
    unmatched_flagged: int = 0  # unmatched, flagged by the induction timer
    unmatched_days: Tally = field(default_factory=dict)  # unmatched, not flagged: enrolment day -> count
    relationships: Tally = field(default_factory=dict)  # active / ended
    end_reasons: Tally = field(default_factory=dict)
    at_risk_active: int = 0
    meetings: Tally = field(default_factory=dict)  # scheduled / cancelled / missed / completed
    minutes: int = 0  # of completed meetings
    first_week: str | None = None  # of a completed meeting
    last_week: str | None = None
    surveys_issued: int = 0  # named surveys, answered or not
    surveys_submitted: int = 0  # named surveys answered
    ratings: Tally = field(default_factory=dict)  # 1-5, named and anonymous
    recommends: Tally = field(default_factory=dict)  # 0-10, named and anonymous
    retention: dict[str, Tally] = field(default_factory=dict)  # term -> {"with_status", "teaching"}
    notifications: Tally = field(default_factory=dict)
    proposals: Tally = field(default_factory=dict)

    def add(self, other: Cell) -> Cell:
        """Add ``other`` into this cell (and return it)."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "first_week":
                self.first_week = min(w for w in (mine, theirs) if w) if mine or theirs else None
            elif f.name == "last_week":
                self.last_week = max(w for w in (mine, theirs) if w) if mine or theirs else None
            elif f.name == "retention":
                for term, tally in theirs.items():
                    for key, n in tally.items():
                        _add(mine.setdefault(term, {}), key, n)
            elif isinstance(mine, dict):
                for key, n in theirs.items():
                    _add(mine, key, n)
            else:
                setattr(self, f.name, mine + theirs)
        return self

    def to_doc(self) -> dict[str, Any]:
        """The cell as a document (tallies copied one level deep: ``asdict``'s recursive copy costs a recompute dearly)."""
        doc: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if name == "retention":
                value = {term: dict(tally) for term, tally in value.items()}
            elif isinstance(value, dict):
                value = dict(value)
            doc[name] = value
        return doc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Cell:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in names})


_FIELDS = tuple(f.name for f in fields(Cell))


def add_series(into: Series, other: Mapping[str, Mapping[str, int]]) -> Series:
    for week, tally in other.items():
        for key, n in tally.items():
            _add(into.setdefault(week, {}), key, n)
    return into


# ---- one row of each collection into a cell (and its series) --------------------------------------------


def participant(cell: Cell, series: Series, parts: list[str], n: int) -> None:
    _, role, matched, flagged, hours, unmatched_day, week = parts
    if not role:
        return  # touched by a relationship but never enrolled
    _add(cell.roles, role, n)
    _add(series.setdefault(week, {}), "enrolled", n) if week else None
    if role not in SEEKERS:
        return
    if matched == "1":
        cell.matched += n
        _add(cell.ttm_hours, hours, n)
    elif flagged == "1":
        cell.unmatched_flagged += n
    else:
        _add(cell.unmatched_days, unmatched_day, n)


def relationship(cell: Cell, series: Series, parts: list[str], n: int) -> None:
    _, status, reason, at_risk, start, end = parts
    if not status:
        return  # only heard of through an at-risk warning or a closure
    _add(cell.relationships, status, n)
    _add(cell.end_reasons, reason, n)
    cell.at_risk_active += n if status == "active" and at_risk == "1" else 0
    _add(series.setdefault(start, {}), "started", n) if start else None
    _add(series.setdefault(end, {}), "ended", n) if end else None


def meeting(cell: Cell, series: Series, status: str, n: int, minutes: int, weeks: tuple[str | None, str | None]) -> None:
    if not status:
        return  # only heard of through a reminder or an overdue notice
    _add(cell.meetings, status, n)
    low, high = weeks
    if status == "completed":
        cell.minutes += minutes
        cell.first_week = min(w for w in (cell.first_week, low) if w) if cell.first_week or low else None
        cell.last_week = max(w for w in (cell.last_week, high) if w) if cell.last_week or high else None
    if low and low == high:  # one week: this row counts toward the weekly series
        _add(series.setdefault(low, {}), status, n)
        _add(series[low], "minutes", minutes)


def survey(cell: Cell, series: Series, named: str, status: str, rating: str, recommend: str, week: str, n: int) -> None:
    if named == "1":
        cell.surveys_issued += n
        cell.surveys_submitted += n if status == "submitted" else 0
    if status != "submitted":
        return
    _add(cell.ratings, rating, n)
    _add(cell.recommends, recommend, n)
    if week:
        _add(series.setdefault(week, {}), "responses", n)
        _add(series[week], "rating_sum", int(rating) * n)


def anonymous(cell: Cell, series: Series, week: str, sums: Mapping[str, int]) -> None:
    for r in RATINGS:
        _add(cell.ratings, str(r), sums.get(f"r{r}", 0))
    for x in RECOMMENDS:
        _add(cell.recommends, str(x), sums.get(f"n{x}", 0))
    if week:
        _add(series.setdefault(week, {}), "responses", sum(sums.get(f"r{r}", 0) for r in RATINGS))
        _add(series[week], "rating_sum", sum(r * sums.get(f"r{r}", 0) for r in RATINGS))


def status(cell: Cell, term: str, value: str, n: int) -> None:
    tally = cell.retention.setdefault(term, {})
    _add(tally, "with_status", n)
    _add(tally, "teaching", n if value == "teaching" else 0)


def program_cells(programs: list[str], rows: Mapping[str, list[Row]]) -> dict[str, tuple[Cell, Series]]:
    """Each program's cell and weekly series from the rows its collections are counted into (grouped by ``g``)."""
    out: dict[str, tuple[Cell, Series]] = {p: (Cell(programs=1), {}) for p in programs}
    for collection, collection_rows in rows.items():
        for row in collection_rows:
            parts = row.parts
            if parts[0] not in out:
                continue
            cell, series = out[parts[0]]
            if collection == "participants":
                participant(cell, series, parts, row.n)
            elif collection == "relationships":
                relationship(cell, series, parts, row.n)
            elif collection == "meetings":
                meeting(cell, series, parts[1], row.n, row.sums.get("minutes", 0), (parts[2] or None, parts[2] or None))
            elif collection == "surveys":
                named, state, rating, recommend, week = parts[1:6]
                survey(cell, series, named, state, rating, recommend, week, row.n)
            elif collection == "anonymous":
                anonymous(cell, series, parts[1], row.sums)
            elif collection == "statuses":
                status(cell, parts[1], parts[2], row.n)
            elif collection in ("notifications", "proposals") and parts[1]:
                _add(getattr(cell, collection), parts[1], row.n)
    return out
