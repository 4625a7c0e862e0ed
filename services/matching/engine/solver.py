"""The optimal matching solver: ``solve(problem) -> Solution``.

Who takes part: in ``one_to_one`` and ``group`` mode the participants with role mentor and mentee (peers are
ignored); in ``peer`` mode only those with role peer (see ``engine.peer``).

Eligible pairs are those ``scoring.ineligibility`` allows. Virtual fallback (``same_district`` and
``virtual_fallback`` both on): a mentee with no eligible mentor in its own district also gets every mentor of another
district that passes all the other rules; those pairs come back with ``virtual=True``. Each pair scores
``scoring.breakdown``; the solver works in exact integer micro-points, so its optimum is exact for those scores.

Objective (``engine.flow``): with ``maximize_matched_first`` the most mentees matched, then the highest total score;
otherwise the highest total score, then the most matched (a score-0 pair is still made if its mentor has room;
negative-score pairs never are). Capacity is ``Profile.capacity``; in group mode ``min(capacity, group_max)``, and
a mentor gets either no mentee or at least ``group_min`` (a mentor with a capacity below ``group_min`` gets none).
Group minimums (``engine.groups``): exact when the min-cost flow leaves no group too small or CP-SAT proves the
optimum within its work limit; past the limit (large instances with far more places than mentees) the answer is the
best found — feasible, never worse than a flow-based repair, but not proven optimal.

``Solution.proven_optimal`` is False exactly when a CP-SAT stage (group minimums, peer mode) stopped at its work limit
(or, for group problems too large for CP-SAT, was skipped) without an optimality proof; one-to-one, the min-cost flow
and empty inputs are always proven. The limit is ``work_limit`` CP-SAT deterministic seconds for the whole solve
(default ``cpsat.WORK_LIMIT``; one worker, fixed seed), so where it stops does not depend on the machine's load: the
same input gives the same answer. ``Solution.pairs_considered`` is the number of eligible (mentor, mentee) pairs
scored, virtual ones included (peer mode: eligible peer pairs, each unordered pair once).

Output, deterministic for the same participants in any order (everything is indexed in id order, ties are settled by
that order): pairs sorted by (mentor id, mentee id); every unmatched mentee sorted by id with a reason
(``engine.reasons``); for every matched mentee up to ``alternatives`` next-best eligible mentors other than its own
(score desc, id asc; mentors that are full included); objective = the sum of the pairs' scores.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from services.matching.engine import flow, groups, peer, reasons
from services.matching.engine.arcscore import breakdown_micro
from services.matching.engine.candidates import Rules
from services.matching.engine.encode import encode, order_by
from services.matching.engine.model import Mode, Problem, Profile, Role, Solution, Unmatched
from services.matching.engine.output import build_solution, empty_solution


def solve(problem: Problem, *, alternatives: int = 3, work_limit: float | None = None) -> Solution:
    """The optimal assignment for ``problem`` (see the module docstring for the exact semantics).

    ``work_limit``: CP-SAT's deterministic work limit in seconds (default ``cpsat.WORK_LIMIT``); must be above 0.
    """
    if work_limit is not None and not work_limit > 0:
        raise ValueError(f"work_limit must be above 0, got {work_limit}")
    with _gc_paused():
        if problem.rules.mode is Mode.PEER:
            return peer.solve_peers(problem, alternatives=alternatives, work_limit=work_limit)
        return _solve_bipartite(problem, alternatives, work_limit)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Cyclic garbage collection off while solving: the solver creates many objects but no cycles, and with a
    state's participants alive every full collection walks them all (measured: ~20% of a state's solve)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _solve_bipartite(problem: Problem, alternatives: int, work_limit: float | None) -> Solution:
    rules = problem.rules
    mentors = _sorted(problem.participants, Role.MENTOR)
    mentees = _sorted(problem.participants, Role.MENTEE)
    if not mentors or not mentees:
        unmatched = tuple(Unmatched.model_construct(mentee_id=p.id, reason=reasons.NO_MENTORS) for p in mentees)
        return empty_solution(unmatched)
    side_m, side_e = encode(mentors, mentees)
    hard = Rules(side_m, side_e, rules.hard)
    mi, ei = hard.eligible()
    virtual = np.zeros(len(mi), dtype=np.bool_)
    fallback = rules.hard.same_district and rules.hard.virtual_fallback
    if fallback:
        lonely = np.bincount(ei, minlength=len(mentees)) == 0
        if lonely.any():
            vm, ve = hard.eligible(cross=True, mentee_sel=lonely)
            mi, ei = np.r_[mi, vm], np.r_[ei, ve]
            virtual = np.r_[virtual, np.ones(len(vm), dtype=np.bool_)]
    micro = breakdown_micro(side_m, side_e, mi, ei, rules.weights)
    score = micro.sum(axis=1)
    # One sort, by mentee, best score first, then mentor id: what flow's first arcs and the alternatives need.
    order = order_by(ei, -score, mi)
    mi, ei, virtual, micro, score = mi[order], ei[order], virtual[order], micro.take(order, axis=0), score[order]
    capacity = side_m.capacity.copy()
    group, first = rules.mode is Mode.GROUP, rules.maximize_matched_first
    proven = True  # the min-cost flow is always exact
    if group:
        capacity = np.minimum(capacity, rules.group_max)
        chosen, proven = groups.assign(
            mi, ei, score, capacity, rules.group_min, len(mentees), matched_first=first, work_limit=work_limit
        )
    else:
        chosen = flow.assign(mi, ei, score, capacity, len(mentees), matched_first=first)
    room = np.bincount(mi[chosen], minlength=len(mentors)) < capacity
    matched = np.zeros(len(mentees), dtype=np.bool_)
    matched[ei[chosen]] = True
    lost = np.flatnonzero(~matched)
    why = reasons.unmatched_reasons(
        lost, ei, mi, score, room, lambda idx: hard.rule_counts(idx, allow_other_district=fallback), group_mode=group
    )
    nexts = reasons.next_best(ei, mi, score, chosen, alternatives)
    return build_solution(side_m, side_e, mi, ei, micro, virtual, chosen, lost, why, nexts, proven_optimal=proven)


def _sorted(participants: tuple[Profile, ...], role: Role) -> list[Profile]:
    return sorted((p for p in participants if p.role is role), key=lambda p: p.id)
