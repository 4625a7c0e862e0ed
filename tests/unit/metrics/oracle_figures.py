"""The oracle's figures: from the decided entities of ``oracle.decide``, for a program, district, school or the state."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tests.unit.metrics.oracle import EARLY, World, monday, next_term


@dataclass(frozen=True)
class Scope:
    """Which programs, and (for a school) which school; None: no restriction."""

    programs: frozenset[str]
    school: str | None = None


def _matched(w: World, program: str, pid: str, role: str) -> bool:
    for rel in w.rels.values():
        if rel["program"] != program or rel["status"] is None:
            continue
        if rel["mentee"] == pid or (role == "peer" and rel["mentor"] == pid):
            return True
    return False


def _first_start(w: World, program: str, pid: str, role: str) -> datetime | None:
    starts = [
        r["started"]
        for r in w.rels.values()
        if r["program"] == program and r["started"] and (r["mentee"] == pid or (role == "peer" and r["mentor"] == pid))
    ]
    return min(starts, default=None)


def _school_of(w: World, program: str, pid: str | None) -> str | None:
    person = w.people.get((program, pid or ""))
    return person["school"] if person else None


def _rel_school(w: World, rel_id: str | None) -> str | None:
    rel = w.rels.get(rel_id or "")
    return _school_of(w, rel["program"], rel["mentee"]) if rel else None


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def figures(w: World, scope: Scope, as_of: datetime, term: str, k: int) -> dict[str, Any]:
    school = scope.school
    people = {key: p for key, p in w.people.items() if key[0] in scope.programs and (school is None or p["school"] == school)}
    rels = {
        r_id: r
        for r_id, r in w.rels.items()
        if r["program"] in scope.programs and r["status"] and (school is None or _rel_school(w, r_id) == school)
    }
    meetings = [
        m
        for m in w.meetings.values()
        if m["program"] in scope.programs and m["status"] and (school is None or _rel_school(w, m["rel"]) == school)
    ]
    surveys = []
    for s in w.surveys.values():
        if s["program"] not in scope.programs:
            continue
        owner = (_rel_school(w, s["rel"]) if s["rel"] else _school_of(w, s["program"], s["respondent"])) if school else None
        if school is None or owner == school:
            surveys.append(s)
    batches = [b for b in w.batches.values() if b["program"] in scope.programs and school is None]
    roles = Counter(p["role"] for p in people.values())
    seekers = roles["mentee"] + roles["peer"]
    matched, hours, unmatched = 0, [], 0
    cutoff = as_of.date() - timedelta(days=30)
    for (program, pid), person in people.items():
        if person["role"] not in ("mentee", "peer"):
            continue
        if _matched(w, program, pid, person["role"]):
            matched += 1
            first = _first_start(w, program, pid, person["role"])
            if first is not None:
                hours.append(max(0, math.floor((first - person["enrolled"]).total_seconds() / 3600)))
        elif (program, pid) in w.flagged or person["enrolled"].date() <= cutoff:
            unmatched += 1
    ended = [r for r in rels.values() if r["status"] == "ended"]
    reasons = Counter(r["reason"] for r in ended)
    by_status = Counter(m["status"] for m in meetings)
    held = by_status["completed"] + by_status["missed"]
    completed = [m for m in meetings if m["status"] == "completed"]
    minutes = sum(m["minutes"] for m in completed)
    hours_per_week = None
    if completed:
        weeks = [date.fromisoformat(monday(m["start"])) for m in completed]
        hours_per_week = minutes / 60 / ((max(weeks) - min(weeks)).days // 7 + 1)
    named = [s for s in surveys if s["named"]]
    answered = [s for s in named if s["submitted"]]
    ratings = [s["rating"] for s in surveys if s["submitted"]] + [r for b in batches for r in b["ratings"]]
    recommends = [s["recommend"] for s in surveys if s["submitted"] and s["recommend"] is not None]
    recommends += [x for b in batches for x in b["recommends"]]
    looked_at = next_term(term)
    statuses = [
        value
        for (program, pid, t), (_, value) in w.statuses.items()
        if t == looked_at and program in scope.programs and (school is None or _school_of(w, program, pid) == school)
    ]
    hidden, nps_hidden, rate_hidden = len(ratings) < k, len(recommends) < k, len(answered) < k
    nps = None
    if not nps_hidden:
        nps = (sum(x >= 9 for x in recommends) - sum(x <= 6 for x in recommends)) * 100 / len(recommends)
    notes = Counter(s for p, s in w.notifications.values() if p in scope.programs) if school is None else Counter()
    props = Counter(s for p, s in w.proposals.values() if p in scope.programs) if school is None else Counter()
    return {
        "participants": {"mentors": roles["mentor"], "mentees": roles["mentee"], "peers": roles["peer"]},
        "enrolled": len(people),
        "matched_mentees": matched,
        "match_rate": ratio(matched, seekers),
        "median_days_to_match": statistics.median(hours) / 24 if hours else None,
        "unmatched_over_30_days": unmatched,
        "active_relationships": sum(r["status"] == "active" for r in rels.values()),
        "ended_relationships": len(ended),
        "at_risk_relationships": sum(r["status"] == "active" and r["at_risk"] for r in rels.values()),
        "completion_rate": ratio(reasons["completed"], len(ended)),
        "ended_by_reason": {reason: reasons[reason] for reason in ["completed", *EARLY]},
        "early_closure_rate": {reason: ratio(reasons[reason], len(ended)) for reason in EARLY},
        "meetings": {s: by_status[s] for s in ("scheduled", "completed", "missed", "cancelled")},
        "meeting_completion_rate": ratio(by_status["completed"], held),
        "no_show_rate": ratio(by_status["missed"], held),
        "mentoring_minutes": minutes,
        "mentor_hours_per_week": hours_per_week,
        "surveys": {
            "issued": len(named),
            "submitted": len(answered),
            "response_rate": None if rate_hidden else ratio(len(answered), len(named)),
            "suppressed": rate_hidden,
        },
        "satisfaction": {
            "responses": len(ratings),
            "mean": None if hidden else sum(ratings) / len(ratings),
            "distribution": None if hidden else {str(r): ratings.count(r) for r in range(1, 6)},
            "recommend_responses": len(recommends),
            "nps": nps,
            "suppressed": hidden,
            "nps_suppressed": nps_hidden,
        },
        "retention": {
            "term": looked_at,
            "with_status": len(statuses),
            "teaching": statuses.count("teaching"),
            "rate": ratio(statuses.count("teaching"), len(statuses)),
        },
        "notifications": {"sent": notes["sent"], "failed": notes["failed"]},
        "proposals": {"proposed": sum(props.values()), "approved": props["approved"]},
    }


def weekly(w: World, programs: frozenset[str], k: int) -> list[dict[str, Any]]:
    """Weekly rows from the first to the last week with anything in it."""
    tallies: dict[str, Counter[str]] = {}

    def add(when: datetime | None, key: str, n: int = 1) -> None:
        if when is not None and n:
            tallies.setdefault(monday(when), Counter())[key] += n

    for (program, _), person in w.people.items():
        if program in programs:
            add(person["enrolled"], "enrolled")
    for r in w.rels.values():
        if r["program"] in programs and r["status"]:
            add(r["started"], "started")
            add(r["ended"] if r["status"] == "ended" else None, "ended")
    for m in w.meetings.values():
        if m["program"] in programs and m["status"]:
            add(m["start"], m["status"])
            add(m["start"], "minutes", m["minutes"] if m["status"] == "completed" else 0)
    for s in w.surveys.values():
        if s["program"] in programs and s["submitted"]:
            add(s["answered_at"], "responses")
            add(s["answered_at"], "rating_sum", s["rating"])
    for b in w.batches.values():
        if b["program"] in programs:
            add(b["time"], "responses", len(b["ratings"]))
            add(b["time"], "rating_sum", sum(b["ratings"]))
    if not tallies:
        return []
    first, last = date.fromisoformat(min(tallies)), date.fromisoformat(max(tallies))
    rows = []
    for i in range((last - first).days // 7 + 1):
        week = (first + timedelta(weeks=i)).isoformat()
        t = tallies.get(week, Counter())
        rows.append(
            {
                "week": week,
                "enrolled": t["enrolled"],
                "relationships_started": t["started"],
                "relationships_ended": t["ended"],
                "meetings_completed": t["completed"],
                "meetings_missed": t["missed"],
                "meetings_cancelled": t["cancelled"],
                "mentor_hours": t["minutes"] / 60,
                "responses": t["responses"],
                "mean_rating": None if t["responses"] < k else t["rating_sum"] / t["responses"],
                "suppressed": t["responses"] < k,
            }
        )
    return rows


def schools(w: World, programs: frozenset[str]) -> dict[str, frozenset[str]]:
    """School -> the programs its enrolled participants are in."""
    out: dict[str, set[str]] = {}
    for (program, _), person in w.people.items():
        if program in programs and person["school"]:
            out.setdefault(person["school"], set()).add(program)
    return {s: frozenset(p) for s, p in out.items()}


def summaries(w: World, as_of: datetime, term: str, k: int) -> dict[str, Any]:
    """Every summary and series, keyed as ``Twin.summaries`` keys them."""
    query = {"as_of": as_of.isoformat().replace("+00:00", "Z"), "term": term, "k": k}
    out: dict[str, Any] = {}
    all_programs = frozenset(w.district_of)
    for program, district in w.district_of.items():
        one = frozenset([program])
        out[f"program:{program}"] = {
            "program_id": program,
            "district": district,
            **query,
            **figures(w, Scope(one), as_of, term, k),
        }
        out[f"program-weekly:{program}"] = {"scope": "program", "id": program, "k": k, "weeks": weekly(w, one, k)}
    for district in sorted(set(w.district_of.values())):
        programs = frozenset(p for p, d in w.district_of.items() if d == district)
        body = figures(w, Scope(programs), as_of, term, k)
        out[f"district:{district}"] = {"district": district, "programs": len(programs), **query, **body}
        out[f"district-weekly:{district}"] = {"scope": "district", "id": district, "k": k, "weeks": weekly(w, programs, k)}
        for school, in_school in schools(w, programs).items():
            body = figures(w, Scope(programs, school), as_of, term, k)
            out[f"school:{district}:{school}"] = {
                "district": district,
                "school": school,
                "programs": len(in_school),
                **query,
                **body,
            }
    districts = len(set(w.district_of.values()))
    out["state"] = {
        "districts": districts,
        "programs": len(all_programs),
        **query,
        **figures(w, Scope(all_programs), as_of, term, k),
    }
    out["state-weekly"] = {"scope": "state", "id": "state", "k": k, "weeks": weekly(w, all_programs, k)}
    return out
