"""The reference definition of eligibility (hard rules) and of a pair's score (soft criteria).

The solver builds its candidate arcs and scores with numpy (``engine.arcs``); it must agree with these functions
exactly, and the unit tests check that it does. Everything here is pure and deterministic.
"""

from __future__ import annotations

from datetime import time

from services.matching.engine.model import HardRules, Profile, Slot, Weights

#: The hard rules in the order they are checked; ``ineligibility`` returns the first one a pair breaks, ``violations``
#: all of them.
RULES: tuple[str, ...] = (
    "excluded",
    "same_district",
    "subject_match",
    "grade_band_overlap",
    "trained_only",
    "min_experience_gap",
    "shared_language",
    "capacity_zero",
)
#: The soft criteria, in the order of the ``Weights`` fields (and of every breakdown).
CRITERIA: tuple[str, ...] = tuple(Weights.model_fields)
#: Scores are kept as integer micro-points (1e-6) internally; a breakdown value is ``micro / MICRO``.
MICRO = 1_000_000
#: The experience gap (years) that earns the full experience_gap points.
FULL_GAP_YEARS = 10
_DAY_START = {day: i * 86_400_000_000 for i, day in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def ineligibility(mentor: Profile, mentee: Profile, hard: HardRules, *, allow_other_district: bool = False) -> str | None:
    """None when ``mentor`` may mentor ``mentee`` under ``hard``, else the name of the first rule (``RULES`` order) broken.

    - excluded: either lists the other's id in ``exclusions`` (exclusions work both ways);
    - same_district: different districts while ``hard.same_district`` (skipped when ``allow_other_district``, which the
      solver sets for the virtual fallback);
    - subject_match: no shared subject; grade_band_overlap: no shared grade band;
    - trained_only: the mentor has not completed mentor training;
    - min_experience_gap: ``mentor.years_experience - mentee.years_experience < hard.min_experience_gap``;
      a gap of 0 switches the rule off (a less experienced mentor is then allowed);
    - shared_language: no shared language; capacity_zero: the mentor's capacity is 0.

    Roles are not checked here: the solver decides who is a mentor (in peer mode, either peer of a pair).
    """
    if mentee.id in mentor.exclusions or mentor.id in mentee.exclusions:
        return "excluded"
    if hard.same_district and not allow_other_district and mentor.district != mentee.district:
        return "same_district"
    if hard.subject_match and not mentor.subjects & mentee.subjects:
        return "subject_match"
    if hard.grade_band_overlap and not mentor.grade_bands & mentee.grade_bands:
        return "grade_band_overlap"
    if hard.trained_only and not mentor.trained:
        return "trained_only"
    if hard.min_experience_gap and mentor.years_experience - mentee.years_experience < hard.min_experience_gap:
        return "min_experience_gap"
    if hard.shared_language and not mentor.languages & mentee.languages:
        return "shared_language"
    if mentor.capacity == 0:
        return "capacity_zero"
    return None


def violations(mentor: Profile, mentee: Profile, hard: HardRules, *, allow_other_district: bool = False) -> tuple[str, ...]:
    """Every hard rule the pair breaks, in ``RULES`` order, exactly as ``ineligibility`` defines each; () if eligible.

    (``ineligibility`` stays a chain of early returns: it is the hot path of ``--scores`` and the reference solver.)
    """
    broken = (
        mentee.id in mentor.exclusions or mentor.id in mentee.exclusions,
        hard.same_district and not allow_other_district and mentor.district != mentee.district,
        hard.subject_match and not mentor.subjects & mentee.subjects,
        hard.grade_band_overlap and not mentor.grade_bands & mentee.grade_bands,
        hard.trained_only and not mentor.trained,
        bool(hard.min_experience_gap) and mentor.years_experience - mentee.years_experience < hard.min_experience_gap,
        hard.shared_language and not mentor.languages & mentee.languages,
        mentor.capacity == 0,
    )
    return tuple(rule for rule, hit in zip(RULES, broken, strict=True) if hit)


def breakdown(mentor: Profile, mentee: Profile, weights: Weights) -> dict[str, float]:
    """Weighted points per criterion (keys = ``Weights`` field names, in that order); the pair's score is their sum.

    Each criterion is a raw value in 0..1, multiplied by its weight, then rounded to 6 decimals as
    ``round(weight * raw * 1e6) / 1e6`` (half to even; this is what makes solver and reference agree bit for bit):

    - shared_interests = |mentor expertise ∩ mentee expertise| / |mentee expertise| (0 if the mentee lists none);
    - support_style = 1 if both name the same style, 0.5 if one or both name none, else 0;
    - availability_overlap = overlapping time / min(mentor's total time, mentee's total time), capped at 1; each
      side's availability is the union of its weekly slots (overlapping slots count once); 0 if either has none;
    - same_school = 1 if the same school else 0 (a negative weight therefore prefers different schools);
    - experience_gap = min(gap, 10) / 10 for gap = mentor years - mentee years >= 0, else 0.
    """
    return {name: micro / MICRO for name, micro in zip(CRITERIA, breakdown_micro(mentor, mentee, weights), strict=True)}


def score(mentor: Profile, mentee: Profile, weights: Weights) -> float:
    """The pair's score: the sum of its breakdown, computed exactly in micro-points."""
    return sum(breakdown_micro(mentor, mentee, weights)) / MICRO


def breakdown_micro(mentor: Profile, mentee: Profile, weights: Weights) -> tuple[int, ...]:
    """The breakdown as integer micro-points (value × 1e6), in ``CRITERIA`` order."""
    raw = (
        len(mentor.expertise & mentee.expertise) / len(mentee.expertise) if mentee.expertise else 0.0,
        style_alignment(mentor, mentee),
        overlap_ratio(mentor.availability, mentee.availability),
        1.0 if mentor.school == mentee.school else 0.0,
        min(gap, FULL_GAP_YEARS) / FULL_GAP_YEARS if (gap := mentor.years_experience - mentee.years_experience) >= 0 else 0.0,
    )
    return tuple(round(getattr(weights, name) * value * MICRO) for name, value in zip(CRITERIA, raw, strict=True))


def style_alignment(mentor: Profile, mentee: Profile) -> float:
    """1 if both name the same support style, 0.5 if either names none, else 0."""
    if mentor.support_style is None or mentee.support_style is None:
        return 0.5
    return 1.0 if mentor.support_style == mentee.support_style else 0.0


def overlap_ratio(a: tuple[Slot, ...], b: tuple[Slot, ...]) -> float:
    """Overlapping time of two weekly availabilities / the smaller total, capped at 1 (0 if either is empty)."""
    ia, ib = week_intervals(a), week_intervals(b)
    if not ia or not ib:
        return 0.0
    common = sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in ia for s2, e2 in ib)
    smaller = min(sum(e - s for s, e in ia), sum(e - s for s, e in ib))
    return min(1.0, common / smaller)


def week_intervals(slots: tuple[Slot, ...]) -> list[tuple[int, int]]:
    """The union of the slots as sorted, disjoint [start, end) intervals in microseconds since Monday 00:00."""
    raw = sorted((_DAY_START[s.weekday] + _us(s.start), _DAY_START[s.weekday] + _us(s.end)) for s in slots)
    merged: list[tuple[int, int]] = []
    for start, end in raw:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
