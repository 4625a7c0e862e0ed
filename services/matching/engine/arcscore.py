"""Vectorised soft criteria: the breakdown of many pairs at once, in integer micro-points.

Bit-for-bit equal to ``scoring.breakdown_micro``: the same raw values are computed with the same float operations
in the same order (integer counts and microsecond totals, one division, ``weight * raw * 1e6``, round half to even).
"""

from __future__ import annotations

import numpy as np

from services.matching.engine.arrays import F64
from services.matching.engine.availability import overlap
from services.matching.engine.encode import I64, Side, common_count
from services.matching.engine.model import Weights
from services.matching.engine.scoring import CRITERIA, FULL_GAP_YEARS, MICRO

_CHUNK = 1 << 18


def breakdown_micro(mentors: Side, mentees: Side, mi: I64, ei: I64, weights: Weights) -> I64:
    """Shape (len(mi), len(CRITERIA)): weighted points per criterion × 1e6 for each pair (mentors[mi], mentees[ei])."""
    out = np.zeros((len(mi), len(CRITERIA)), dtype=np.int64)
    for lo in range(0, len(mi), _CHUNK):
        m, e = mi[lo : lo + _CHUNK], ei[lo : lo + _CHUNK]
        raw = (
            _shared_interests(mentors, mentees, m, e),
            _support_style(mentors.style[m], mentees.style[e]),
            _availability(mentors, mentees, m, e),
            (mentors.school[m] == mentees.school[e]).astype(np.float64),
            _experience_gap(mentors.years[m] - mentees.years[e]),
        )
        for col, (name, values) in enumerate(zip(CRITERIA, raw, strict=True)):
            out[lo : lo + len(m), col] = np.rint(getattr(weights, name) * values * MICRO).astype(np.int64)
    return out


def _shared_interests(mentors: Side, mentees: Side, m: I64, e: I64) -> F64:
    shared = common_count(mentors.expertise, mentees.expertise, m, e).astype(np.float64)
    listed = mentees.expertise_count[e].astype(np.float64)
    return np.divide(shared, listed, out=np.zeros_like(shared), where=listed > 0)


def _support_style(a: I64, b: I64) -> F64:
    return np.where((a < 0) | (b < 0), 0.5, np.where(a == b, 1.0, 0.0))


def _availability(mentors: Side, mentees: Side, m: I64, e: I64) -> F64:
    a, b = mentors.availability, mentees.availability
    out = np.zeros(len(m), dtype=np.float64)
    both = np.flatnonzero((a.total[m] > 0) & (b.total[e] > 0))
    m, e = m[both], e[both]
    common = overlap(a, b, m, e).astype(np.float64)
    smaller = np.minimum(a.total[m], b.total[e]).astype(np.float64)
    out[both] = np.minimum(1.0, common / smaller)
    return out


def _experience_gap(gap: I64) -> F64:
    return np.where(gap >= 0, np.minimum(gap, FULL_GAP_YEARS) / FULL_GAP_YEARS, 0.0)
