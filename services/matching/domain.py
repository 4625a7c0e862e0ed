"""Scoring and optimal one-to-one assignment. Pure: no I/O.

Score of a (mentor, mentee) pair = 2 × shared subjects + 1 × shared grade bands. A pair sharing
neither is not eligible. The assignment maximises the total score (scipy's Hungarian solver).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

SUBJECT_WEIGHT = 2.0
GRADE_BAND_WEIGHT = 1.0
NO_ELIGIBLE_MENTOR = "no mentor shares a subject or grade band"
CAPACITY_TAKEN = "every eligible mentor is assigned to a mentee with a higher total score"
NO_MENTORS = "no mentor is available in this program"


@dataclass(frozen=True)
class Profile:
    participant_id: str
    subjects: frozenset[str]
    grade_bands: frozenset[str]


@dataclass(frozen=True)
class Breakdown:
    shared_subjects: tuple[str, ...]
    shared_grade_bands: tuple[str, ...]

    @property
    def total(self) -> float:
        return SUBJECT_WEIGHT * len(self.shared_subjects) + GRADE_BAND_WEIGHT * len(self.shared_grade_bands)


@dataclass(frozen=True)
class Pair:
    mentor_id: str
    mentee_id: str
    breakdown: Breakdown


@dataclass(frozen=True)
class Unmatched:
    mentee_id: str
    reason: str


@dataclass(frozen=True)
class Assignment:
    pairs: list[Pair]
    unmatched: list[Unmatched]

    @property
    def objective(self) -> float:
        return sum(p.breakdown.total for p in self.pairs)


def score(mentor: Profile, mentee: Profile) -> Breakdown:
    return Breakdown(
        shared_subjects=tuple(sorted(mentor.subjects & mentee.subjects)),
        shared_grade_bands=tuple(sorted(mentor.grade_bands & mentee.grade_bands)),
    )


def assign(mentors: list[Profile], mentees: list[Profile]) -> Assignment:
    """Optimal one-to-one assignment; deterministic for the same input (ids are sorted first)."""
    mentors = sorted(mentors, key=lambda p: p.participant_id)
    mentees = sorted(mentees, key=lambda p: p.participant_id)
    if not mentees:
        return Assignment([], [])
    if not mentors:
        return Assignment([], [Unmatched(m.participant_id, NO_MENTORS) for m in mentees])
    breakdowns = [[score(mentor, mentee) for mentor in mentors] for mentee in mentees]
    weights = np.array([[b.total for b in row] for row in breakdowns])
    rows, cols = linear_sum_assignment(weights, maximize=True)
    chosen = {int(r): int(c) for r, c in zip(rows, cols, strict=True) if weights[r, c] > 0}
    pairs, unmatched = [], []
    for i, mentee in enumerate(mentees):
        if i in chosen:
            pairs.append(Pair(mentors[chosen[i]].participant_id, mentee.participant_id, breakdowns[i][chosen[i]]))
        else:
            reason = CAPACITY_TAKEN if weights[i].max() > 0 else NO_ELIGIBLE_MENTOR
            unmatched.append(Unmatched(mentee.participant_id, reason))
    return Assignment(pairs, unmatched)
