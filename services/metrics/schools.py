"""Cells per school of one district, computed on request. Pure: no I/O.

A participant's school is the one of their enrolment; a relationship's (with its meetings and
surveys) is its mentee's; a survey without a relationship is its respondent's. Anonymous answers,
notifications and proposals belong to no school. Participants enrolled without a school are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import cells
from .cells import Cell, Series
from .rows import Row


@dataclass(frozen=True)
class DistrictRows:
    """What the school breakdown reads: documents of participants, relationships and statuses, grouped meetings and surveys."""

    participants: Sequence[Mapping[str, Any]]
    relationships: Sequence[Mapping[str, Any]]
    statuses: Sequence[Mapping[str, Any]]
    meetings: list[Row]  # grouped by ``gr``: relationship | status
    surveys: list[Row]  # grouped by ``gr``: program | relationship | respondent | named | status | rating | recommend


def school_cells(rows: DistrictRows) -> dict[str, Cell]:
    """One cell per school named by an enrolment."""
    school_of = {str(p["_id"]): p["school"] for p in rows.participants if p.get("school")}
    out: dict[str, Cell] = {}
    programs: dict[str, set[str]] = {}
    scratch: Series = {}  # schools get no weekly series

    def cell(school: str | None) -> Cell | None:
        return None if school is None else out.setdefault(school, Cell())

    for doc in rows.participants:
        if (target := cell(doc.get("school"))) is not None:
            cells.participant(target, scratch, doc["g"].split("|"), 1)
            programs.setdefault(doc["school"], set()).add(doc["program_id"])
    rel_school = {str(r["_id"]): school_of.get(f"{r['program_id']}:{r.get('mentee_id')}") for r in rows.relationships}
    for doc in rows.relationships:
        if (target := cell(rel_school[str(doc["_id"])])) is not None:
            cells.relationship(target, scratch, doc["g"].split("|"), 1)
    for row in rows.meetings:
        rel, status = row.parts
        if (target := cell(rel_school.get(rel))) is not None:
            cells.meeting(target, scratch, status, row.n, row.sums.get("minutes", 0), (row.low, row.high))
    for row in rows.surveys:
        program, rel, who, named, status, rating, recommend = row.parts
        school = rel_school.get(rel) if rel else school_of.get(f"{program}:{who}")
        if (target := cell(school)) is not None:
            cells.survey(target, scratch, named, status, rating, recommend, "", row.n)
    for doc in rows.statuses:
        if (target := cell(school_of.get(f"{doc['program_id']}:{doc['participant_id']}"))) is not None:
            cells.status(target, doc["term"], doc["status"], 1)
    for school, ids in programs.items():
        out[school].programs = len(ids)
    return out
