"""From the stored program to the engine's ``Problem``: who is still open, with how much room, under which rules.

Pure: the runs load the documents, this module decides. Approved pairs are never disturbed — a mentee in an active
relationship takes no part, and a mentor takes part with the room left (capacity minus active mentees, minus open
proposals). Previous partners are excluded from each other; participants who left the program take no part.

Group programs whose mentors already lead a group are solved in two steps (``solve_state``): first the open mentees
are placed into existing groups' free places (no minimum: the group exists), then the rest form new groups under
the program's ``group_min``/``group_max``. The engine has one group minimum for all mentors, so the two steps are
optimal each, not jointly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import ValidationError

from shared.storage.mongo import Document

from .engine.model import Mode, Problem, Profile, Role, Rules, Solution
from .engine.solver import solve

REQUIRED = ("subjects", "grade_bands", "years_experience")
OPEN_STATUSES = ("draft", "requested")  # a run's ``pending`` proposals are hidden until it finishes


class Scope(StrEnum):
    ALL = "all"  # every open participant; the program's earlier drafts are superseded
    REMAINING = "remaining"  # only mentees without an open proposal, into the room left (late enrolees, rematches)


@dataclass(frozen=True)
class Incomplete:
    participant_id: str
    role: str
    reason: str


@dataclass
class ProgramState:
    """What a run needs to know about one program, loaded by the workflow."""

    rules: Rules
    participants: list[Document]
    relationships: list[Document]
    open_proposals: list[Document] = field(default_factory=list)


def build_problem(state: ProgramState, scope: Scope) -> tuple[Problem, list[Incomplete]]:
    """The engine problem for a run, and the participants left out for an incomplete or invalid profile."""
    active = [r for r in state.relationships if r["status"] == "active"]
    taken: Counter[str] = Counter(r["mentor_id"] for r in active)
    busy = {r["mentee_id"] for r in active}
    if scope is Scope.REMAINING:
        taken.update(p["mentor_id"] for p in state.open_proposals)
        busy |= {p["mentee_id"] for p in state.open_proposals}
    if state.rules.mode is Mode.PEER:
        busy |= set(taken)  # a peer pair is reciprocal: both sides are taken
    partners = _partners(state.relationships)
    profiles: list[Profile] = []
    incomplete: list[Incomplete] = []
    for doc in state.participants:
        pid = doc["participant_id"]
        if doc.get("left_at") is not None or pid in busy or (state.rules.mode is Mode.PEER and doc["role"] != Role.PEER.value):
            continue
        profile = to_profile(doc, state.rules, partners.get(pid, ()))
        if isinstance(profile, Incomplete):
            incomplete.append(profile)
            continue
        if profile.role is Role.MENTOR:
            room = max(profile.capacity - taken[pid], 0)
            if room == 0 and taken[pid]:
                continue  # full: takes no part (a capacity-0 mentor is kept, so reasons can name it)
            profile = profile.model_copy(update={"capacity": room})
        profiles.append(profile)
    return Problem(participants=tuple(profiles), rules=state.rules), incomplete


def to_profile(doc: Document, rules: Rules, partners: Iterable[str] = ()) -> Profile | Incomplete:
    """The engine profile of a stored participant, or why it cannot take part yet."""
    missing = [name for name in REQUIRED if doc.get(name) in (None, [])]
    if missing:
        return Incomplete(doc["participant_id"], doc["role"], f"incomplete profile: missing {', '.join(missing)}")
    capacity = mentor_capacity(doc, rules)
    fields = {
        "id": doc["participant_id"],
        "role": doc["role"],
        "district": doc["district"],
        "school": doc["school"],
        "subjects": doc["subjects"],
        "grade_bands": doc["grade_bands"],
        "years_experience": doc["years_experience"],
        "capacity": capacity,
        "exclusions": [*(doc.get("exclusions") or ()), *partners],
        **{
            k: doc[k]
            for k in ("credentials", "expertise", "support_style", "languages", "availability", "trained")
            if doc.get(k) is not None
        },
    }
    try:
        return Profile.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return Incomplete(doc["participant_id"], doc["role"], f"invalid profile: {where}: {first['msg']}")


def mentor_capacity(doc: Document, rules: Rules) -> int:
    """How many mentees a mentor may have: the profile's capacity (default 1), in group programs at most
    ``group_max`` (default ``group_max``)."""
    capacity = doc.get("capacity")
    if rules.mode is Mode.GROUP:
        return rules.group_max if capacity is None else min(int(capacity), rules.group_max)
    return 1 if capacity is None else int(capacity)


def solve_state(state: ProgramState, scope: Scope) -> tuple[Solution, list[Incomplete]]:
    """Build and solve the run's problem (two steps for group programs with existing groups, see above)."""
    problem, incomplete = build_problem(state, scope)
    rules = problem.rules
    taken = Counter(r["mentor_id"] for r in state.relationships if r["status"] == "active")
    taken.update(p["mentor_id"] for p in state.open_proposals)
    existing = {p.id for p in problem.participants if p.role is Role.MENTOR and taken[p.id]}
    if rules.mode is not Mode.GROUP or not existing:
        return solve(problem), incomplete
    mentees = [p for p in problem.participants if p.role is Role.MENTEE]
    into_groups = Problem(
        participants=(*(p for p in problem.participants if p.id in existing), *mentees),
        rules=rules.model_copy(update={"group_min": 1}),
    )
    first = solve(into_groups)
    placed = {pair.mentee_id for pair in first.pairs}
    rest = Problem(
        participants=tuple(p for p in problem.participants if p.id not in existing and p.id not in placed), rules=rules
    )
    second = solve(rest)
    return _merged(first, second), incomplete


def _merged(first: Solution, second: Solution) -> Solution:
    return Solution(
        pairs=tuple(sorted((*first.pairs, *second.pairs), key=lambda p: (p.mentor_id, p.mentee_id))),
        unmatched=second.unmatched,
        objective=round(first.objective + second.objective, 6),
        alternatives={**first.alternatives, **second.alternatives},
        proven_optimal=first.proven_optimal and second.proven_optimal,
        pairs_considered=first.pairs_considered + second.pairs_considered,
    )


def _partners(relationships: list[Document]) -> dict[str, list[str]]:
    """Everyone's previous partners in the program (ended relationships): never proposed again."""
    out: dict[str, list[str]] = {}
    for r in relationships:
        if r["status"] != "active":
            out.setdefault(r["mentor_id"], []).append(r["mentee_id"])
            out.setdefault(r["mentee_id"], []).append(r["mentor_id"])
    return out
