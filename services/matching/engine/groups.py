"""Group mode's minimum group size: a mentor gets no mentee or at least ``group_min``.

1. The min-cost flow without the minimum (``engine.flow``) is a relaxation: if no group comes out too small, it
   is optimal, and that is the usual case when mentees outnumber the places.
2. Otherwise a repair gives a feasible answer: mentors left with a too-small group are closed (capacity 0) and the
   flow is solved again, until no group is too small.
   If the repair reaches the relaxation's objective, it is optimal.
3. Otherwise CP-SAT (``engine.cpsat``) searches the exact problem from that start, with the relaxation's objective
   as a bound, within its time limit; its answer is kept only if better (lexicographically, as in ``engine.flow``).
   When CP-SAT proves optimality (small and medium instances) the result is optimal. When the work limit cuts it
   short, or the instance has more than ``CPSAT_MAX_ARCS`` candidate pairs (CP-SAT is then skipped), the result is
   the best found — feasible, every rule and group size respected, but not proven optimal (unless it reaches the
   relaxation's objective, which proves it); ``assign`` says which with its second value.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from services.matching.engine import cpsat, flow
from services.matching.engine.encode import I64

#: Above this many candidate pairs the CP-SAT model takes longer to build than to be worth it; the repair stands.
CPSAT_MAX_ARCS = 200_000


def assign(
    mi: I64,
    ei: I64,
    score: I64,
    capacity: I64,
    group_min: int,
    n_mentees: int,
    *,
    matched_first: bool,
    work_limit: float | None = None,
) -> tuple[NDArray[np.bool_], bool]:
    """(chosen arcs with every mentor's load 0 or in ``group_min..capacity[m]``, proven optimal); see the module
    docstring. ``work_limit``: CP-SAT's deterministic work limit (default ``cpsat.WORK_LIMIT``)."""
    open_capacity = np.where(capacity >= group_min, capacity, 0)
    chosen = flow.assign(mi, ei, score, open_capacity, n_mentees, matched_first=matched_first)
    bound = _key(chosen, score, matched_first)
    while (small := _too_small(mi, chosen, group_min, len(capacity))).any():
        open_capacity = np.where(small, 0, open_capacity)
        chosen = flow.assign(mi, ei, score, open_capacity, n_mentees, matched_first=matched_first)
    if _key(chosen, score, matched_first) == bound:
        return chosen, True
    if len(mi) > CPSAT_MAX_ARCS:
        return chosen, False
    searched, proven = cpsat.assign_groups(
        mi, ei, score, capacity, group_min, matched_first=matched_first, hint=chosen, bound=bound, work_limit=work_limit
    )
    best = searched if _key(searched, score, matched_first) > _key(chosen, score, matched_first) else chosen
    return best, proven or _key(best, score, matched_first) == bound


def _too_small(mi: I64, chosen: NDArray[np.bool_], group_min: int, n_mentors: int) -> NDArray[np.bool_]:
    load = np.bincount(mi[chosen], minlength=n_mentors)
    return (load > 0) & (load < group_min)


def _key(chosen: NDArray[np.bool_], score: I64, matched_first: bool) -> tuple[int, int]:
    count, total = int(chosen.sum()), int(score[chosen].sum())
    return (count, total) if matched_first else (total, count)
