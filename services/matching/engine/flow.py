"""Optimal capacitated assignment as a min-cost flow (OR-tools ``SimpleMinCostFlow``).

Graph: each mentee with an arc supplies 1 unit; mentee → mentor arcs (capacity 1, cost −weight); mentor → sink
(capacity = the mentor's capacity); mentee → sink (capacity 1, cost 0: staying unmatched); the sink takes it all.
Weights are integers derived from the scores (micro-points) so that maximising total weight is exactly:

- ``matched_first``: the most mentees matched, then the highest total score — weight = score + BIG, BIG larger
  than any difference of total scores (negative-score pairs are used when that matches one more mentee);
- otherwise: the highest total score, then the most matched — pairs scoring below 0 are dropped (they can only lower
  the total) and weight = score × K + 1 with K above any possible number of matches, so a pair scoring 0 is still
  made when its mentor has room: an eligible match that costs nothing is better than none.

That graph is what the optimality proof reasons about. To solve, ``matched_first`` uses the equivalent and faster
``solve_max_flow_with_min_cost`` (no mentee → sink arcs, cost −score); the other objective ``solve`` on the graph.

Speed: the flow is first solved on each mentee's ``FIRST_ARCS`` best arcs only; dual potentials of that optimum
(``engine.certify``) then prove it optimal for all arcs, or name the arcs that could improve it, which are added
before solving again (after ``ROUNDS`` rounds, all arcs). The answer is therefore always exactly optimal, and
deterministic: arcs come in a fixed order (by mentee, best score first, then mentor id) and every step is
deterministic.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from services.matching.engine.certify import improving_arcs
from services.matching.engine.encode import I64, distinct, order_by

FIRST_ARCS = 16
ROUNDS = 4


class FlowError(RuntimeError):
    """The min-cost flow solver did not reach an optimum (it should not happen for this graph)."""


def weights(ei: I64, score: I64, *, matched_first: bool) -> tuple[I64, I64]:
    """(usable arc indices, their integer weights) encoding the objective described in the module docstring."""
    if matched_first:
        usable = np.arange(len(score))
        bound = np.zeros(int(ei.max(initial=-1)) + 1, dtype=np.int64)
        np.maximum.at(bound, ei, np.abs(score))
        return usable, score + (2 * int(bound.sum()) + 1)
    usable = np.flatnonzero(score >= 0)
    return usable, score[usable] * (len(distinct(ei[usable])) + 1) + 1


def assign(mi: I64, ei: I64, score: I64, capacity: I64, n_mentees: int, *, matched_first: bool) -> NDArray[np.bool_]:
    """Which arcs (mentor ``mi[k]``, mentee ``ei[k]``, ``score[k]`` micro-points) are chosen.

    ``capacity[m]`` bounds mentor m's mentees; each mentee gets at most one mentor.
    """
    chosen = np.zeros(len(mi), dtype=np.bool_)
    usable, weight = weights(ei, score, matched_first=matched_first)
    open_ = capacity[mi[usable]] > 0
    usable, weight = usable[open_], weight[open_]
    if not len(usable):
        return chosen
    m, e = mi[usable], ei[usable]
    # With matched_first the solver maximises the flow itself: costs stay small (fewer cost-scaling phases).
    cost = -score[usable] if matched_first else -weight
    subset = _best_per_mentee(e, weight, FIRST_ARCS)
    for _ in range(ROUNDS):
        picked = _solve(m[subset], e[subset], cost[subset], capacity, n_mentees, max_flow=matched_first)
        better = improving_arcs(m, e, weight, subset, picked, capacity, n_mentees)
        if not len(better):
            chosen[usable[subset[picked]]] = True
            return chosen
        subset = distinct(np.concatenate([subset, better]))
    chosen[usable[_solve(m, e, cost, capacity, n_mentees, max_flow=matched_first)]] = True
    return chosen


def _best_per_mentee(e: I64, weight: I64, k: int) -> I64:
    """Indices of each mentee's ``k`` heaviest arcs (ties: earlier arc first), in arc order."""
    order = order_by(e, -weight, np.arange(len(e)))
    grouped = e[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return np.sort(order[rank < k])


def _solve(m: I64, e: I64, cost: I64, capacity: I64, n_mentees: int, *, max_flow: bool) -> I64:
    """Positions (into the given arcs) of the arcs carrying flow in a min-cost assignment.

    ``max_flow``: the most mentees first (``solve_max_flow_with_min_cost``); else mentees may stay unmatched at cost 0.
    """
    n_mentors = len(capacity)
    sink = n_mentees + n_mentors
    mentees, mentors = distinct(e), distinct(m)
    stay = np.zeros(0, dtype=np.int64) if max_flow else mentees
    tails = np.concatenate([e, n_mentees + mentors, stay])
    heads = np.concatenate([n_mentees + m, np.full(len(mentors) + len(stay), sink, dtype=np.int64)])
    caps = np.concatenate([np.ones(len(e), dtype=np.int64), capacity[mentors], np.ones(len(stay), dtype=np.int64)])
    costs = np.concatenate([cost, np.zeros(len(mentors) + len(stay), dtype=np.int64)])
    flow = SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), caps, costs)
    nodes = np.r_[mentees, sink].astype(np.int32)
    flow.set_nodes_supplies(nodes, np.r_[np.ones(len(mentees), dtype=np.int64), -len(mentees)].astype(np.int64))
    status = flow.solve_max_flow_with_min_cost() if max_flow else flow.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise FlowError(f"min-cost flow ended with status {status}")
    return np.flatnonzero(flow.flows(np.arange(len(e), dtype=np.int32)) > 0)
