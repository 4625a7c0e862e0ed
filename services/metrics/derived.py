"""Fields derived from a merged document, and the group keys the figures are counted by. Pure: no I/O.

A document is stored with its derived fields, so the store can count documents by one key field
(``g``: per program; ``gr``: per relationship, for the school breakdown) without reading them one by one.
Keys are ``|``-joined: ids, enums, terms and dates never contain ``|``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from .lattice import Document

SEEKERS: Final = frozenset({"mentee", "peer"})  # the participants a program matches
RATINGS: Final = tuple(range(1, 6))
RECOMMENDS: Final = tuple(range(0, 11))
ANONYMOUS_SURVEY: Final = "program_anonymous"


def day_of(ts: float) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


def week_of(ts: float | None) -> str:
    """The ISO week of an instant, named by its Monday (UTC): ``2025-09-01``; empty for None."""
    if ts is None:
        return ""
    day = day_of(ts)
    return (day - timedelta(days=day.weekday())).isoformat()


def _key(*parts: object) -> str:
    return "|".join("" if p is None else str(int(p)) if isinstance(p, bool) else str(p) for p in parts)


def _status(doc: Mapping[str, Any], default: str | None = None) -> str | None:
    state = doc.get("state")
    return str(state[1]) if state else default


def _participant(doc: Mapping[str, Any]) -> Document:
    enrolment = doc.get("enrolment")
    enrolled, role, school = enrolment if enrolment else (None, None, "")
    seeker = role in SEEKERS
    as_mentor = role == "peer" and bool(doc.get("as_mentor"))  # peers are matched on either side
    matched = seeker and (bool(doc.get("as_mentee")) or as_mentor)
    firsts = [doc.get("first_as_mentee"), doc.get("first_as_mentor") if as_mentor else None]
    first = min((t for t in firsts if t is not None), default=None)
    hours = None
    if matched and first is not None and enrolled is not None:
        hours = max(0, math.floor((first - enrolled) / 3600))
    flagged = seeker and not matched and bool(doc.get("flagged"))
    unmatched_day = day_of(enrolled).isoformat() if seeker and not matched and not flagged and enrolled is not None else ""
    week = week_of(enrolled)
    derived = {"role": role, "school": school or None, "matched": matched, "ttm_hours": hours}
    return derived | {"g": _key(doc["program_id"], role, matched, flagged, hours, unmatched_day, week)}


def _relationship(doc: Mapping[str, Any]) -> Document:
    status = _status(doc)
    reason = doc["state"][2] if status == "ended" else ""
    start, end = week_of(doc.get("started")), week_of(doc.get("ended") if status == "ended" else None)
    at_risk = bool(doc.get("at_risk"))
    return {"status": status, "g": _key(doc["program_id"], status, reason, at_risk, start, end)}


def _meeting(doc: Mapping[str, Any]) -> Document:
    status = _status(doc)
    minutes = int(doc["state"][2]) if status == "completed" else 0
    week = week_of(doc["start"][1]) if doc.get("start") else ""
    return {
        "status": status,
        "minutes": minutes,
        "week": week or None,
        "g": _key(doc["program_id"], status, week),
        "gr": _key(doc.get("relationship_id"), status),
    }


def _survey(doc: Mapping[str, Any]) -> Document:
    status = _status(doc, "issued")  # a reminder implies the survey was issued
    named = doc.get("template") != ANONYMOUS_SURVEY
    state = doc.get("state") or []
    rating = state[2] if status == "submitted" else None
    recommend = state[3] if status == "submitted" and state[3] >= 0 else None
    week = week_of(doc.get("submitted")) if status == "submitted" else ""
    rel, who = doc.get("relationship_id"), doc.get("respondent_id")
    return {
        "status": status,
        "g": _key(doc["program_id"], named, status, rating, recommend, week),
        "gr": _key(doc["program_id"], rel, who, named, status, rating, recommend),
    }


def _anonymous(doc: Mapping[str, Any]) -> Document:
    ratings, recommends = doc.get("ratings") or [], doc.get("recommends") or []
    counts = {f"r{r}": ratings.count(r) for r in RATINGS} | {f"n{n}": recommends.count(n) for n in RECOMMENDS}
    return counts | {"g": _key(doc["program_id"], week_of(doc.get("released")))}


def _status_doc(doc: Mapping[str, Any]) -> Document:
    return {"status": doc["latest"][1], "g": _key(doc["program_id"], doc["term"], doc["latest"][1])}


def _by_status(doc: Mapping[str, Any]) -> Document:
    status = _status(doc)
    return {"status": status, "g": _key(doc["program_id"], status)}


DERIVE: Final[dict[str, Callable[[Mapping[str, Any]], Document]]] = {
    "participants": _participant,
    "relationships": _relationship,
    "meetings": _meeting,
    "surveys": _survey,
    "anonymous": _anonymous,
    "statuses": _status_doc,
    "notifications": _by_status,
    "proposals": _by_status,
}
# The sums the store adds up per group key, besides the document count ``n``.
SUMS: Final[dict[str, tuple[str, ...]]] = {
    "meetings": ("minutes",),
    "anonymous": (*(f"r{r}" for r in RATINGS), *(f"n{n}" for n in RECOMMENDS)),
}


def derive(collection: str, doc: Document) -> Document:
    """``doc`` with its derived fields (re)computed; documents of collections without any are returned as they are."""
    compute = DERIVE.get(collection)
    return doc if compute is None else {**doc, **compute(doc)}
