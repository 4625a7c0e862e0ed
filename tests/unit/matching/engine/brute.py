"""Test helpers: a profile factory, hypothesis strategies for small problems, and brute-force reference solvers.

The brute force uses only ``scoring`` (the reference definitions) and the semantics written in the solver's
docstrings, never the solver's own code.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from itertools import product
from typing import Any

from hypothesis import strategies as st

from services.matching.engine.model import HardRules, Mode, Problem, Profile, Role, Rules, Slot, Weights
from services.matching.engine.scoring import breakdown_micro, ineligibility

SLOTS = (
    Slot(weekday="mon", start=time(9), end=time(10)),
    Slot(weekday="mon", start=time(9, 30), end=time(11)),
    Slot(weekday="tue", start=time(14), end=time(15, 30)),
    Slot(weekday="wed", start=time(8), end=time(8, 20, 30)),
)


def person(pid: str, role: str = "mentee", **kw: Any) -> Profile:
    """A profile that is eligible with the defaults of ``person`` on the other side, unless overridden."""
    base: dict[str, Any] = {
        "district": "d1",
        "school": "s1",
        "subjects": frozenset({"math"}),
        "grade_bands": frozenset({"6-8"}),
        "years_experience": 10 if role == "mentor" else 1,
        "trained": role == "mentor",
    }
    return Profile(id=pid, role=Role(role), **(base | kw))


def profiles(role: Role, ids: list[str], others: list[str]) -> st.SearchStrategy[tuple[Profile, ...]]:
    """Random profiles over tiny vocabularies, so that rules and ties collide often."""
    one = st.fixed_dictionaries(
        {
            "district": st.sampled_from(["d1", "d2"]),
            "school": st.sampled_from(["s1", "s2"]),
            "subjects": st.frozensets(st.sampled_from(["math", "art"]), min_size=1),
            "grade_bands": st.frozensets(st.sampled_from(["K-2", "6-8"]), min_size=1),
            "years_experience": st.integers(0, 12),
            "expertise": st.frozensets(st.sampled_from(["a", "b", "c"])),
            "support_style": st.sampled_from([None, "directive", "collaborative"]),
            "languages": st.frozensets(st.sampled_from(["en", "es"]), min_size=1),
            "availability": st.lists(st.sampled_from(SLOTS), max_size=3).map(tuple),
            "trained": st.booleans(),
            "capacity": st.integers(0, 3),
            "exclusions": st.frozensets(st.sampled_from(others)) if others else st.just(frozenset()),
        }
    )
    return st.tuples(*(one.map(lambda kw, pid=pid: Profile(id=pid, role=role, **kw)) for pid in ids))


@st.composite
def rules(draw: st.DrawFn, mode: Mode) -> Rules:
    """Random program rules (hard rules, weights including negative and zero ones, objective)."""
    hard = HardRules(
        same_district=draw(st.booleans()),
        virtual_fallback=draw(st.booleans()),
        subject_match=draw(st.booleans()),
        grade_band_overlap=draw(st.booleans()),
        trained_only=draw(st.booleans()),
        min_experience_gap=draw(st.integers(0, 4)),
        shared_language=draw(st.booleans()),
    )
    pick = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0])
    weights = Weights(
        shared_interests=draw(pick),
        support_style=draw(pick),
        availability_overlap=draw(pick),
        same_school=draw(st.sampled_from([-3.0, -1.0, 0.0, 1.0])),
        experience_gap=draw(pick),
    )
    group_min = draw(st.integers(1, 3))
    group_max = draw(st.integers(group_min, 3))
    return Rules(
        mode=mode,
        hard=hard,
        weights=weights,
        maximize_matched_first=draw(st.booleans()),
        group_min=group_min,
        group_max=group_max,
    )


@st.composite
def bipartite_problems(draw: st.DrawFn, mode: Mode = Mode.ONE_TO_ONE, max_mentors: int = 3, max_mentees: int = 4) -> Problem:
    """Small one-to-one or group problems (0..max mentors, 1..max mentees)."""
    mentor_ids = [f"m{i}" for i in range(draw(st.integers(0, max_mentors)))]
    mentee_ids = [f"e{i}" for i in range(draw(st.integers(1, max_mentees)))]
    mentors = draw(profiles(Role.MENTOR, mentor_ids, mentee_ids))
    mentees = draw(profiles(Role.MENTEE, mentee_ids, mentor_ids))
    return Problem(participants=mentors + mentees, rules=draw(rules(mode)))


@st.composite
def peer_problems(draw: st.DrawFn, max_peers: int = 6) -> Problem:
    ids = [f"p{i}" for i in range(draw(st.integers(1, max_peers)))]
    pool = draw(profiles(Role.PEER, ids, ids))
    return Problem(participants=pool, rules=draw(rules(Mode.PEER)))


def split(problem: Problem) -> tuple[list[Profile], list[Profile]]:
    """(mentors, mentees), each sorted by id."""
    by_id = sorted(problem.participants, key=lambda p: p.id)
    return [p for p in by_id if p.role is Role.MENTOR], [p for p in by_id if p.role is Role.MENTEE]


def fallback_on(hard: HardRules) -> bool:
    return hard.same_district and hard.virtual_fallback


def eligible(problem: Problem) -> dict[tuple[str, str], tuple[int, bool]]:
    """(mentor id, mentee id) → (score in micro-points, virtual) for every eligible pair, fallback included."""
    mentors, mentees = split(problem)
    hard, weights = problem.rules.hard, problem.rules.weights
    out: dict[tuple[str, str], tuple[int, bool]] = {}
    for e in mentees:
        local = [m for m in mentors if ineligibility(m, e, hard) is None]
        virtual = False
        if not local and fallback_on(hard):
            local = [m for m in mentors if ineligibility(m, e, hard, allow_other_district=True) is None]
            virtual = True
        for m in local:
            out[(m.id, e.id)] = (sum(breakdown_micro(m, e, weights)), virtual)
    return out


def objective_key(count: int, total: int, matched_first: bool) -> tuple[int, int]:
    """What the solver maximises lexicographically."""
    return (count, total) if matched_first else (total, count)


def best_bipartite(problem: Problem) -> tuple[int, int]:
    """The best objective_key over every feasible assignment (group mode: group sizes 0 or group_min..group_max)."""
    mentors, mentees = split(problem)
    r = problem.rules
    arcs = eligible(problem)
    cap = {m.id: min(m.capacity, r.group_max) if r.mode is Mode.GROUP else m.capacity for m in mentors}
    low = r.group_min if r.mode is Mode.GROUP else 1
    choices = [[None, *(m.id for m in mentors if (m.id, e.id) in arcs)] for e in mentees]
    best = (-(10**18), -(10**18))
    for pick in product(*choices):
        loads = {m: sum(1 for c in pick if c == m) for m in cap}
        if any(n > cap[m] or 0 < n < low for m, n in loads.items()):
            continue
        total = sum(arcs[(c, e.id)][0] for c, e in zip(pick, mentees, strict=True) if c is not None)
        best = max(best, objective_key(sum(c is not None for c in pick), total, r.maximize_matched_first))
    return best


def peer_edges(problem: Problem) -> dict[frozenset[str], tuple[int, str, bool]]:
    """{a, b} → (score, mentor id, virtual) per the peer-mode docstring (best eligible orientation, smaller id on ties)."""
    pool = sorted((p for p in problem.participants if p.role is Role.PEER), key=lambda p: p.id)
    hard, weights = problem.rules.hard, problem.rules.weights

    def options(a: Profile, b: Profile, cross: bool) -> Iterator[tuple[int, str]]:
        for x, y in ((a, b), (b, a)):
            if ineligibility(x, y, hard, allow_other_district=cross) is None:
                yield sum(breakdown_micro(x, y, weights)), x.id

    local = {a.id: any(True for b in pool if b is not a for _ in options(a, b, False)) for a in pool}
    out: dict[frozenset[str], tuple[int, str, bool]] = {}
    for i, a in enumerate(pool):
        for b in pool[i + 1 :]:
            cross = fallback_on(hard) and a.district != b.district and not (local[a.id] and local[b.id])
            found = sorted(options(a, b, cross), key=lambda o: (-o[0], o[1]))
            if found:
                out[frozenset((a.id, b.id))] = (found[0][0], found[0][1], cross)
    return out


def best_peer(problem: Problem) -> tuple[int, int]:
    """The best objective_key (count = pairs) over every matching of the peer pool."""
    edges = peer_edges(problem)
    best = (0, 0)

    def grow(free: frozenset[str], count: int, total: int) -> None:
        nonlocal best
        best = max(best, objective_key(count, total, problem.rules.maximize_matched_first))
        if not free:
            return
        first = min(free)
        grow(free - {first}, count, total)
        for other in free - {first}:
            edge = edges.get(frozenset((first, other)))
            if edge:
                grow(free - {first, other}, count + 1, total + edge[0])

    grow(frozenset(p.id for p in problem.participants if p.role is Role.PEER), 0, 0)
    return best
