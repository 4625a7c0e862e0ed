"""Vectorised hard rules: the eligible (mentor, mentee) pairs, and which rule rules out the others.

Agrees with ``scoring.ineligibility`` pair for pair. Eligible pairs come from ``engine.pairs`` (grouped, tested block
by block); the rule-by-rule checks here explain the others (``rule_counts``) in numpy batches.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from services.matching.engine import pairs
from services.matching.engine.encode import I64, Side, intersects, member
from services.matching.engine.model import HardRules
from services.matching.engine.scoring import RULES

Mask = NDArray[np.bool_]
Check = Callable[[I64, I64], Mask]
_BATCH = 1 << 20


class Rules:
    """The hard rules of one program applied to two encoded sides (the same side twice in peer mode)."""

    def __init__(self, mentors: Side, mentees: Side, hard: HardRules) -> None:
        self.mentors, self.mentees, self.hard = mentors, mentees, hard
        self.same_pool = mentors is mentees
        index = {p.id: i for i, p in enumerate(mentees.profiles)}
        codes = {m * len(mentees) + index[x] for m, p in enumerate(mentors.profiles) for x in p.exclusions if x in index}
        index = {p.id: i for i, p in enumerate(mentors.profiles)}
        codes |= {index[x] * len(mentees) + e for e, p in enumerate(mentees.profiles) for x in p.exclusions if x in index}
        self.excluded = np.array(sorted(codes), dtype=np.int64)

    def checks(self, *, allow_other_district: bool) -> list[tuple[str, Check]]:
        """(rule, pairs → passes) for every active rule, in ``RULES`` order."""
        m, e, hard = self.mentors, self.mentees, self.hard
        out: list[tuple[str, Check]] = []
        if len(self.excluded):
            out.append(("excluded", lambda mi, ei: ~member(mi * len(e) + ei, self.excluded)))
        if hard.same_district and not allow_other_district:
            out.append(("same_district", lambda mi, ei: m.district[mi] == e.district[ei]))
        if hard.subject_match:
            out.append(("subject_match", lambda mi, ei: intersects(m.subjects, e.subjects, mi, ei)))
        if hard.grade_band_overlap:
            out.append(("grade_band_overlap", lambda mi, ei: intersects(m.grade_bands, e.grade_bands, mi, ei)))
        if hard.trained_only:
            out.append(("trained_only", lambda mi, ei: m.trained[mi]))
        if hard.min_experience_gap:
            out.append(("min_experience_gap", lambda mi, ei: m.years[mi] - e.years[ei] >= hard.min_experience_gap))
        if hard.shared_language:
            out.append(("shared_language", lambda mi, ei: intersects(m.languages, e.languages, mi, ei)))
        out.append(("capacity_zero", lambda mi, ei: m.capacity[mi] > 0))
        return out

    def eligible(self, *, cross: bool = False, mentor_sel: Mask | None = None, mentee_sel: Mask | None = None) -> tuple[I64, I64]:
        """All eligible pairs as (mentor index, mentee index), in a deterministic order (see ``engine.pairs``).

        ``cross=False``: the ordinary rules. ``cross=True``: pairs across districts only, with same_district lifted
        (the virtual fallback). ``mentor_sel``/``mentee_sel`` restrict either side. No participant pairs with itself.
        """
        mentor_ok = np.ones(len(self.mentors), dtype=np.bool_) if mentor_sel is None else mentor_sel.copy()
        mentor_ok &= self.mentors.capacity > 0
        if self.hard.trained_only:
            mentor_ok &= self.mentors.trained
        mentee_ok = np.ones(len(self.mentees), dtype=np.bool_) if mentee_sel is None else mentee_sel
        return pairs.generate(
            self.mentors,
            self.mentees,
            self.hard,
            self.excluded,
            same_pool=self.same_pool,
            cross=cross,
            mentor_ok=mentor_ok,
            mentee_ok=mentee_ok,
        )

    def rule_counts(self, mentees: I64, *, allow_other_district: bool) -> I64:
        """For each given mentee: how many mentors each rule rules out first, shape (len(mentees), len(RULES) + 1).

        The last column counts eligible mentors (and, in peer mode, the mentee itself is not counted at all).
        Exclusions are few: they are counted as a correction at the end instead of being looked up for every pair.
        """
        checks = [(RULES.index(name), passes) for name, passes in self.checks(allow_other_district=allow_other_district)]
        checks = [(rule, passes) for rule, passes in checks if RULES[rule] != "excluded"]
        n_m, width = len(self.mentors), len(RULES) + 1
        flat = np.zeros(len(mentees) * width, dtype=np.int64)
        step = max(1, _BATCH // max(n_m, 1))
        for lo in range(0, len(mentees), step):
            chunk = mentees[lo : lo + step]
            mi, ei = np.tile(np.arange(n_m), len(chunk)), np.repeat(chunk, n_m)
            rows = np.repeat(np.arange(lo, lo + len(chunk)), n_m)
            code = _first_rule(mi, ei, checks)
            keep = mi != ei if self.same_pool else slice(None)
            flat += np.bincount((rows * width + code)[keep], minlength=len(flat))
        counts: I64 = flat.reshape(len(mentees), width)
        row_of = np.full(len(self.mentees), -1, dtype=np.int64)
        row_of[mentees] = np.arange(len(mentees))
        em, ee = np.divmod(self.excluded, len(self.mentees))
        hit = (row_of[ee] >= 0) & (em != ee if self.same_pool else True)
        em, ee = em[hit], ee[hit]
        np.subtract.at(counts, (row_of[ee], _first_rule(em, ee, checks)), 1)
        np.add.at(counts, (row_of[ee], np.full(len(ee), RULES.index("excluded"))), 1)
        return counts


def _first_rule(mi: I64, ei: I64, checks: list[tuple[int, Check]]) -> I64:
    """Per pair: the index in ``RULES`` of the first check it fails, or len(RULES) if it passes them all."""
    code = np.full(len(mi), len(RULES), dtype=np.int64)
    for rule, passes in reversed(checks):
        code[~passes(mi, ei)] = rule
    return code
