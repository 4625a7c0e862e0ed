"""From the stored program to the engine's ``Problem``: who is still open, with how much room, under which rules.

Pure: the workflow loads the documents, this module decides. Approved pairs are never disturbed — a mentee in an
active relationship takes no part, and a mentor takes part with the room left (capacity minus active mentees, and
minus open proposals when the run only fills what is left). Previous partners are excluded from each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import ValidationError

from shared.storage.mongo import Document

from .engine.model import Mode, Problem, Profile, Role, Rules

REQUIRED = ("subjects", "grade_bands", "years_experience")
OPEN_STATUSES = ("draft", "requested", "pending")


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
        if pid in busy or (state.rules.mode is Mode.PEER and doc["role"] != Role.PEER.value):
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
    """The capacity a participant's profile gives, else 1 (the group size maximum in group programs)."""
    capacity = doc.get("capacity")
    if capacity is None:
        return rules.group_max if rules.mode is Mode.GROUP else 1
    return int(capacity)


def _partners(relationships: list[Document]) -> dict[str, list[str]]:
    """Everyone's previous partners in the program (ended relationships): never proposed again."""
    out: dict[str, list[str]] = {}
    for r in relationships:
        if r["status"] != "active":
            out.setdefault(r["mentor_id"], []).append(r["mentee_id"])
            out.setdefault(r["mentee_id"], []).append(r["mentor_id"])
    return out
