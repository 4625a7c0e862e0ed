"""Generating the eligible pairs fast: group, then test whole blocks at once.

Participants are grouped by (district, subject) — by district only when subject_match is off, by subject only
across districts — and each mentor × mentee block of a group is tested with numpy broadcasting (one vector operation
per rule on the block, no gathering of per-pair values). Mentor-only rules (trained_only, capacity_zero) are applied
to the mentors before grouping. A pair sharing several subjects is kept only in the block of its lowest shared
subject, so it comes out once. Exclusions and self-pairs are removed at the end.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from numpy.typing import NDArray

from services.matching.engine.encode import I64, U64, Side, member
from services.matching.engine.model import HardRules

Mask = NDArray[np.bool_]
_BLOCK = 1 << 20  # cells per block: bounds the memory of one broadcast


def generate(
    m: Side, e: Side, hard: HardRules, excluded: I64, *, same_pool: bool, cross: bool, mentor_ok: Mask, mentee_ok: Mask
) -> tuple[I64, I64]:
    """(mentor indices, mentee indices) of the eligible pairs, in a deterministic order (group, mentor, mentee).

    ``cross``: pairs across districts with same_district lifted (the virtual fallback). ``excluded``: sorted
    ``mentor * len(e) + mentee`` codes of excluded pairs. ``mentor_ok``/``mentee_ok``: who may take part at all.
    """
    by_district = hard.same_district and not cross
    groups_m = _groups(m, np.flatnonzero(mentor_ok), by_district, hard.subject_match)
    groups_e = _groups(e, np.flatnonzero(mentee_ok), by_district, hard.subject_match)
    found_m: list[I64] = [np.zeros(0, dtype=np.int64)]
    found_e: list[I64] = [np.zeros(0, dtype=np.int64)]
    for key in sorted(groups_m.keys() & groups_e.keys()):
        ms, es = np.array(groups_m[key], dtype=np.int64), np.array(groups_e[key], dtype=np.int64)
        subject = key[1] if hard.subject_match else None
        step = max(1, _BLOCK // len(ms))
        for lo in range(0, len(es), step):
            part = es[lo : lo + step]
            rows, cols = np.nonzero(_block(m, e, ms, part, hard, subject, cross))
            found_m.append(ms[rows])
            found_e.append(part[cols])
    mi, ei = np.concatenate(found_m), np.concatenate(found_e)
    keep = np.ones(len(mi), dtype=np.bool_)
    if len(excluded):
        keep &= ~member(mi * len(e) + ei, excluded)
    if same_pool:
        keep &= mi != ei
    return mi[keep], ei[keep]


def _block(m: Side, e: Side, ms: I64, es: I64, hard: HardRules, subject: int | None, cross: bool) -> Mask:
    """Which cells of the ms × es block pass every rule not already implied by the grouping."""
    ok = np.ones((len(ms), len(es)), dtype=np.bool_)
    if cross:
        ok &= m.district[ms][:, None] != e.district[es][None, :]
    if subject:  # drop pairs that also share a lower subject: they come out of that subject's block
        ok &= ~_meet(m.subjects[ms] & _below(subject, m.subjects.shape[1]), e.subjects[es])
    if hard.grade_band_overlap:
        ok &= _meet(m.grade_bands[ms], e.grade_bands[es])
    if hard.min_experience_gap:
        ok &= m.years[ms][:, None] - e.years[es][None, :] >= hard.min_experience_gap
    if hard.shared_language:
        ok &= _meet(m.languages[ms], e.languages[es])
    return ok


def _meet(a: U64, b: U64) -> Mask:
    """(len(a), len(b)): does row i of ``a`` share a bit with row j of ``b``?"""
    if a.shape[1] == 1:
        return np.bitwise_and(a[:, 0][:, None], b[:, 0][None, :]) != 0
    return np.bitwise_and(a[:, None, :], b[None, :, :]).max(axis=2) != 0


def _below(code: int, words: int) -> U64:
    """The mask of all codes smaller than ``code``."""
    out = np.zeros(words, dtype=np.uint64)
    full, rest = divmod(code, 64)
    out[:full] = np.uint64(0xFFFFFFFFFFFFFFFF)
    if rest:
        out[full] = np.uint64((1 << rest) - 1)
    return out


def _groups(side: Side, members: I64, by_district: bool, by_subject: bool) -> dict[tuple[int, int], list[int]]:
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    districts = side.district.tolist() if by_district else [0] * len(side)
    for i in members.tolist():
        for subject in side.subject_lists[i] if by_subject else (0,):
            groups[(districts[i], subject)].append(i)
    return groups
