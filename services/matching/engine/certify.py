"""Proof of optimality for an assignment found on a subset of the arcs (LP duality / reduced costs).

The assignment ``picked`` is optimal for the arcs in ``subset``. Take node potentials p for its residual graph
(cost = −weight): a mentee's p is the shortest distance from the sink (the largest feasible value), a mentor's p the
smallest value its used arcs and spare capacity allow. Every arc left out of the subset with
``weight <= p(mentee) − p(mentor)`` then has a non-negative reduced cost; if all do, no augmenting cycle exists in the
full graph and the assignment is optimal for all arcs. Otherwise the violating arcs are returned.
"""

from __future__ import annotations

import numpy as np

from services.matching.engine.encode import I64

_INF = np.iinfo(np.int64).max // 4


def improving_arcs(m: I64, e: I64, weight: I64, subset: I64, picked: I64, capacity: I64, n_mentees: int) -> I64:
    """Indices of arcs outside ``subset`` that could improve the assignment (empty: it is optimal for all arcs).

    ``picked`` are positions in ``subset`` of the chosen arcs. Mentee nodes are 0..n_mentees-1, mentor j is
    n_mentees + j, the sink is last.
    """
    n_mentors = len(capacity)
    sink = n_mentees + n_mentors
    used = np.zeros(len(subset), dtype=np.bool_)
    used[picked] = True
    sm, se, sw = m[subset], e[subset], weight[subset]
    load = np.bincount(sm[used], minlength=n_mentors)
    matched = np.zeros(n_mentees, dtype=np.bool_)
    matched[se[used]] = True
    room, busy = np.flatnonzero(load < capacity), np.flatnonzero(load > 0)
    # Residual arcs: unused pair arcs forward (−w), used ones backward (+w), mentor↔sink, mentee↔sink (unmatched).
    tails = np.concatenate(
        [np.where(used, n_mentees + sm, se), n_mentees + room, np.full(len(busy), sink), np.flatnonzero(matched)]
    )
    heads = np.concatenate(
        [np.where(used, se, n_mentees + sm), np.full(len(room), sink), n_mentees + busy, np.full(matched.sum(), sink)]
    )
    costs = np.concatenate([np.where(used, sw, -sw), np.zeros(len(room) + len(busy) + int(matched.sum()), dtype=np.int64)])
    unmatched = np.flatnonzero(~matched)
    tails, heads = np.r_[tails, np.full(len(unmatched), sink)], np.r_[heads, unmatched]
    costs = np.r_[costs, np.zeros(len(unmatched), dtype=np.int64)]
    dist = _distances(sink, tails, heads, costs, sink + 1)
    if dist is None:  # a negative cycle: the subset's assignment was not optimal, so prove nothing
        return np.setdiff1d(np.arange(len(m)), subset)
    p_mentee = dist[:n_mentees]
    p_mentor = np.where(load < capacity, 0, -_INF)
    np.maximum.at(p_mentor, sm[used], p_mentee[se[used]] - sw[used])
    outside = np.ones(len(m), dtype=np.bool_)
    outside[subset] = False
    cand = np.flatnonzero(outside)
    return cand[weight[cand] > p_mentee[e[cand]] - p_mentor[m[cand]]]


def _distances(source: int, tails: I64, heads: I64, costs: I64, n_nodes: int) -> I64 | None:
    """Shortest distances from ``source`` (Bellman–Ford in vectorised rounds over the nodes that changed last round).

    Unreachable nodes get a large value; None if a negative cycle keeps distances falling.
    """
    order = np.argsort(tails, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    indptr = np.searchsorted(tails, np.arange(n_nodes + 1))
    dist = np.full(n_nodes, _INF, dtype=np.int64)
    dist[source] = 0
    active = np.array([source], dtype=np.int64)
    for _ in range(n_nodes + 1):
        lo, count = indptr[active], indptr[active + 1] - indptr[active]
        total = int(count.sum())
        if not total:
            return dist
        arcs = np.repeat(lo - np.r_[0, np.cumsum(count)[:-1]], count) + np.arange(total)
        cand, head = dist[tails[arcs]] + costs[arcs], heads[arcs]
        better = cand < dist[head]
        if not better.any():
            return dist
        new = dist.copy()
        np.minimum.at(new, head[better], cand[better])
        active = np.flatnonzero(new < dist)
        dist = new
    return None
