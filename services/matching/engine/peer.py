"""Peer / reciprocal mode: pairs within one pool (the participants with role peer), each peer in at most one pair.

A pair {a, b} is eligible when at least one orientation is: ``ineligibility(a, b)`` (a mentors b) or
``ineligibility(b, a)`` is None — so the program's rules (training, experience gap, capacity 0 = "does not want to
lead") decide which of the two can lead, and a pair works when one of them can. The pair's breakdown and score are
those of its best eligible orientation; ``Pair.mentor_id`` is that orientation's mentor (on a tie, the smaller id).

Virtual fallback: a peer with no eligible partner in its own district may pair with peers of other districts
(``virtual=True``). Maximum-weight matching on a general graph is solved exactly with CP-SAT (``engine.cpsat``) —
fine for pools of a few thousand; past its work limit the best feasible matching is returned (with
``Solution.proven_optimal`` False). ``Solution.pairs_considered`` counts eligible unordered pairs. Objective,
determinism and outputs are as in ``engine.solver``; an unmatched peer's "no eligible mentor: <rule>" counts rules
with the other peers as mentor; alternatives list partners (in ``Alternative.mentor_id``).
"""

from __future__ import annotations

import numpy as np

from services.matching.engine import cpsat, reasons
from services.matching.engine.arcscore import breakdown_micro
from services.matching.engine.candidates import Rules
from services.matching.engine.encode import distinct, encode
from services.matching.engine.model import Problem, Role, Solution, Unmatched
from services.matching.engine.output import build_solution, empty_solution


def solve_peers(problem: Problem, *, alternatives: int = 3, work_limit: float | None = None) -> Solution:
    """The optimal peer matching for ``problem`` (``rules.mode`` is peer); ``work_limit`` as in ``engine.cpsat``."""
    rules = problem.rules
    pool = sorted((p for p in problem.participants if p.role is Role.PEER), key=lambda p: p.id)
    if len(pool) < 2:
        unmatched = tuple(Unmatched.model_construct(mentee_id=p.id, reason=reasons.NO_PEERS) for p in pool)
        return empty_solution(unmatched)
    (side,) = encode(pool)
    hard = Rules(side, side, rules.hard)
    n = len(pool)
    mi, ei = hard.eligible()
    virtual = np.zeros(len(mi), dtype=np.bool_)
    fallback = rules.hard.same_district and rules.hard.virtual_fallback
    if fallback:
        lonely = np.bincount(np.r_[mi, ei], minlength=n) == 0
        if lonely.any():
            cm, ce = (
                np.r_[a, b]
                for a, b in zip(
                    hard.eligible(cross=True, mentee_sel=lonely), hard.eligible(cross=True, mentor_sel=lonely), strict=True
                )
            )
            key = distinct(ce * n + cm)
            mi, ei = np.r_[mi, key % n], np.r_[ei, key // n]
            virtual = np.r_[virtual, np.ones(len(key), dtype=np.bool_)]
    micro = breakdown_micro(side, side, mi, ei, rules.weights)
    score = micro.sum(axis=1)
    # One edge per unordered pair: its best orientation, the smaller mentor index on a tie.
    lo, hi = np.minimum(mi, ei), np.maximum(mi, ei)
    order = np.lexsort((mi, -score, hi, lo))
    first = order[np.r_[True, (lo[order][1:] != lo[order][:-1]) | (hi[order][1:] != hi[order][:-1])]] if len(order) else order
    mi, ei, micro, score, virtual = mi[first], ei[first], micro.take(first, axis=0), score[first], virtual[first]
    chosen, proven = cpsat.assign_peers(mi, ei, score, matched_first=rules.maximize_matched_first, work_limit=work_limit)
    taken = np.zeros(n, dtype=np.bool_)
    taken[mi[chosen]] = taken[ei[chosen]] = True
    lost = np.flatnonzero(~taken)
    who, other, both_score, both_chosen = np.r_[ei, mi], np.r_[mi, ei], np.r_[score, score], np.r_[chosen, chosen]
    why = reasons.unmatched_reasons(
        lost, who, other, both_score, ~taken, lambda idx: hard.rule_counts(idx, allow_other_district=fallback), group_mode=False
    )
    nexts = reasons.next_best(who, other, both_score, both_chosen, alternatives)
    return build_solution(side, side, mi, ei, micro, virtual, chosen, lost, why, nexts, proven_optimal=proven)
