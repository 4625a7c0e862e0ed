"""The engine's inputs and outputs; also the documented JSON problem/result format of the offline CLI."""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True, to_lower=True)]
GradeBand = Literal["K-2", "3-5", "6-8", "9-12"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SupportStyle(StrEnum):
    DIRECTIVE = "directive"  # tell me what to do
    COLLABORATIVE = "collaborative"  # work it out together
    FACILITATIVE = "facilitative"  # ask questions, let me find it


class Slot(Frozen):
    """A weekly availability block, e.g. Tuesdays 15:30-16:30 (school-local time)."""

    weekday: Weekday
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Slot:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    PEER = "peer"  # peer / reciprocal programs: one pool, pairs within it


class Profile(Frozen):
    """One participant as the engine sees it (no name, no e-mail)."""

    id: Id
    role: Role
    district: Id
    school: str = Field(min_length=1, max_length=200)
    subjects: frozenset[Tag] = Field(min_length=1)
    grade_bands: frozenset[GradeBand] = Field(min_length=1)
    credentials: frozenset[Tag] = frozenset()
    years_experience: int = Field(ge=0, le=60)
    expertise: frozenset[Tag] = Field(
        default=frozenset(), description="expertise areas (mentors) / problems of practice (mentees)"
    )
    support_style: SupportStyle | None = None
    languages: frozenset[Tag] = frozenset({"en"})
    availability: tuple[Slot, ...] = ()
    trained: bool = False  # mentor training completed
    capacity: int = Field(default=1, ge=0, le=50, description="mentees a mentor can take (group size in group mode)")
    exclusions: frozenset[Id] = Field(
        default=frozenset(), description="ids never to be paired with (a supervisor, a past pairing)"
    )


class HardRules(Frozen):
    same_district: bool = True
    virtual_fallback: bool = Field(
        default=True, description="a mentee with no eligible mentor in the district may get one from another"
    )
    subject_match: bool = True
    grade_band_overlap: bool = True
    trained_only: bool = True
    min_experience_gap: int = Field(default=3, ge=0, le=40, description="mentor at least N years more experienced")
    shared_language: bool = False


class Weights(Frozen):
    """Points per criterion; each criterion scores 0..1 before weighting (see engine.scoring)."""

    shared_interests: float = Field(default=3.0, ge=0, le=100)
    support_style: float = Field(default=2.0, ge=0, le=100)
    availability_overlap: float = Field(default=2.0, ge=0, le=100)
    same_school: float = Field(default=1.0, ge=-100, le=100, description="negative prefers a different school")
    experience_gap: float = Field(default=1.0, ge=0, le=100)


class Mode(StrEnum):
    ONE_TO_ONE = "one_to_one"
    GROUP = "group"
    PEER = "peer"


class Rules(Frozen):
    mode: Mode = Mode.ONE_TO_ONE
    hard: HardRules = HardRules()
    weights: Weights = Weights()
    maximize_matched_first: bool = True
    group_min: int = Field(default=2, ge=1, le=50)
    group_max: int = Field(default=5, ge=1, le=50)

    @model_validator(mode="after")
    def _group_bounds(self) -> Rules:
        if self.group_min > self.group_max:
            raise ValueError("group_min must not exceed group_max")
        return self


class Problem(Frozen):
    """``match solve --input problem.json``: the participants and the program's rules."""

    participants: tuple[Profile, ...]
    rules: Rules = Rules()

    @model_validator(mode="after")
    def _unique_ids(self) -> Problem:
        seen: set[str] = set()
        duplicates = sorted({p.id for p in self.participants if p.id in seen or seen.add(p.id)})  # type: ignore[func-returns-value]
        if duplicates:
            raise ValueError(f"participant ids must be unique; repeated: {', '.join(duplicates[:10])}")
        return self


class Pair(Frozen):
    mentor_id: Id
    mentee_id: Id
    score: float
    breakdown: dict[str, float]  # criterion -> weighted points; sums to score
    virtual: bool = False  # a cross-district pair made under HardRules.virtual_fallback


class Alternative(Frozen):
    mentor_id: Id
    score: float


class Unmatched(Frozen):
    mentee_id: Id
    reason: str  # e.g. "no eligible mentor: subject_match", "capacity exhausted"


class Solution(Frozen):
    """``result.json``: assignments with breakdowns, objective, unmatched reasons and next-best alternatives."""

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    objective: float
    alternatives: dict[str, tuple[Alternative, ...]] = Field(default_factory=dict)  # mentee id -> next best mentors
    proven_optimal: bool = Field(
        default=True,
        description="False when a CP-SAT stage (group minimums, peer mode) stopped at its work limit: best found, feasible",
    )
    pairs_considered: int = Field(
        default=0, ge=0, description="eligible (mentor, mentee) pairs scored, virtual ones included; peers: unordered pairs"
    )
