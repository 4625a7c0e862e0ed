"""Participants as numpy columns, so that candidate pairs can be filtered and scored without Python loops.

Sets (subjects, grade bands, languages, expertise) become bit masks of shape (n, words) over a vocabulary shared by
both sides; availability is encoded by ``engine.availability``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from services.matching.engine.arrays import I64, U64
from services.matching.engine.availability import Availability, encode_availability
from services.matching.engine.model import Profile
from services.matching.engine.scoring import week_intervals

__all__ = ["I64", "U64", "Side", "common_count", "distinct", "encode", "intersects", "member", "order_by"]

_STYLES = {None: -1, "directive": 0, "collaborative": 1, "facilitative": 2}


@dataclass(frozen=True)
class Side:
    """One side of the bipartite problem (mentors, or mentees; in peer mode both are the pool)."""

    profiles: tuple[Profile, ...]  # sorted by id; index = rank by id, which is how ties are broken
    district: I64
    school: I64
    subjects: U64
    subject_lists: tuple[tuple[int, ...], ...]  # subject codes per participant (for grouping)
    grade_bands: U64
    languages: U64
    expertise: U64
    expertise_count: I64
    style: I64
    trained: NDArray[np.bool_]
    years: I64
    capacity: I64
    availability: Availability

    def __len__(self) -> int:
        return len(self.profiles)


def encode(*groups: Sequence[Profile]) -> tuple[Side, ...]:
    """Encode each group (already sorted by id) with vocabularies shared across all groups."""
    everyone = [p for g in groups for p in g]
    sets = ("subjects", "grade_bands", "languages", "expertise")
    vocab = {name: _vocab(v for p in everyone for v in getattr(p, name)) for name in sets}
    vocab["district"] = _vocab(p.district for p in everyone)
    vocab["school"] = _vocab(p.school for p in everyone)
    availability = encode_availability([[week_intervals(p.availability) if p.availability else [] for p in g] for g in groups])
    sides = []
    for group, free in zip(groups, availability, strict=True):
        columns = zip(
            *((p.district, p.school, p.support_style, p.trained, p.years_experience, p.capacity) for p in group), strict=True
        )
        district, school, style, trained, years, capacity = list(columns) or [()] * 6
        subjects = vocab["subjects"]
        sides.append(
            Side(
                profiles=tuple(group),
                district=np.array([vocab["district"][v] for v in district], dtype=np.int64),
                school=np.array([vocab["school"][v] for v in school], dtype=np.int64),
                subjects=_masks([p.subjects for p in group], subjects),
                subject_lists=tuple(tuple(sorted(subjects[s] for s in p.subjects)) for p in group),
                grade_bands=_masks([p.grade_bands for p in group], vocab["grade_bands"]),
                languages=_masks([p.languages for p in group], vocab["languages"]),
                expertise=_masks([p.expertise for p in group], vocab["expertise"]),
                expertise_count=np.array([len(p.expertise) for p in group], dtype=np.int64),
                style=np.array([_STYLES[v] for v in style], dtype=np.int64),
                trained=np.array(trained, dtype=np.bool_),
                years=np.array(years, dtype=np.int64),
                capacity=np.array(capacity, dtype=np.int64),
                availability=free,
            )
        )
    return tuple(sides)


def intersects(a: U64, b: U64, ai: I64, bi: I64) -> NDArray[np.bool_]:
    """Does mask row a[ai[k]] share a bit with b[bi[k]]? (word by word: 1-D gathers are much faster than row gathers)"""
    out = np.zeros(len(ai), dtype=np.bool_)
    for w in range(a.shape[1]):
        out |= np.bitwise_and(a[:, w].take(ai), b[:, w].take(bi)) != 0
    return out


def common_count(a: U64, b: U64, ai: I64, bi: I64) -> I64:
    """How many bits mask rows a[ai[k]] and b[bi[k]] share."""
    out = np.zeros(len(ai), dtype=np.int64)
    for w in range(a.shape[1]):
        out += np.bitwise_count(np.bitwise_and(a[:, w].take(ai), b[:, w].take(bi)))
    return out


def distinct(values: I64) -> I64:
    """Sorted distinct values (``np.unique`` is hash-based in numpy 2.x and ~40× slower on large int arrays)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def member(values: I64, sorted_set: I64) -> NDArray[np.bool_]:
    """``np.isin(values, sorted_set)`` by binary search (``np.isin`` sorts or hashes ``values``: far slower here)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=np.bool_)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def order_by(*keys: I64) -> I64:
    """A sorting permutation for ``keys`` (first key most significant), via one int64 argsort; ties in any order."""
    if not len(keys[0]):
        return np.zeros(0, dtype=np.int64)
    lows = [int(k.min()) for k in keys]
    spans = [int(k.max()) - low + 1 for k, low in zip(keys, lows, strict=True)]
    n = len(keys[0])
    if np.prod([float(x) for x in spans]) >= 2.0**62:
        return np.lexsort(tuple(reversed(keys)))
    combined = np.zeros(n, dtype=np.int64)
    for key, low, span in zip(keys, lows, spans, strict=True):
        combined = combined * span + (key - low)
    if (combined[1:] >= combined[:-1]).all():  # already in order (the solver sorts its arcs once): keep it
        return np.arange(n)
    if np.prod([float(x) for x in spans]) * n < 2.0**62:  # np.sort is ~3× faster than argsort: carry the index along
        return np.sort(combined * n + np.arange(n)) % n
    return np.argsort(combined)


def _vocab(values: Iterable[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(sorted(set(values)))}


def _masks(sets: Sequence[frozenset[str]], vocab: dict[str, int]) -> U64:
    words = max(1, (len(vocab) + 63) // 64)
    out = np.zeros((len(sets), words), dtype=np.uint64)
    rows = np.array([row for row, values in enumerate(sets) for _ in values], dtype=np.int64)
    codes = np.array([vocab[v] for values in sets for v in values], dtype=np.uint64)
    np.bitwise_or.at(out, (rows, (codes // np.uint64(64)).astype(np.int64)), np.left_shift(np.uint64(1), codes % np.uint64(64)))
    return out
