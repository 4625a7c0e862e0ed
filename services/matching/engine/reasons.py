"""Explanations that come with a solution: why each unmatched participant is unmatched, and next-best alternatives.

Both work on "arcs seen from one participant": ``who`` (the mentee, or either peer of an edge), ``other`` (a mentor
or the partner peer, indexed in id order) and the pair's score in micro-points.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from services.matching.engine.encode import I64, distinct, order_by
from services.matching.engine.scoring import RULES

NO_MENTORS = "no mentors in the program"
NO_PEERS = "no other peers in the program"
CAPACITY_EXHAUSTED = "capacity exhausted"
GROUP_MINIMUM = "group minimum not reached"
NEGATIVE_ONLY = "every eligible mentor with room has a negative score"


def no_eligible(rule: str) -> str:
    """The reason for a participant no candidate is eligible for; ``rule`` ruled out the most candidates."""
    return f"no eligible mentor: {rule}"


def unmatched_reasons(
    unmatched: I64,
    who: I64,
    other: I64,
    score: I64,
    room: NDArray[np.bool_],
    rule_counts: Callable[[I64], I64],
    *,
    group_mode: bool,
) -> list[str]:
    """One reason per index in ``unmatched`` (each of which got no pair), in that order:

    - no eligible candidate at all → ``no_eligible(rule)``, the rule that ruled out the most candidates first
      (``rule_counts`` gives, per participant, how many candidates each rule in ``RULES`` order ruled out; ties go
      to the earlier rule);
    - every eligible candidate is full (``room`` is False for it) → ``CAPACITY_EXHAUSTED``;
    - some eligible candidate has room but all such pairs score below 0 (only when maximising score alone)
      → ``NEGATIVE_ONLY``;
    - otherwise, in group mode, a candidate has room but would be left with a group below ``group_min`` (or cannot
      reach it at all) → ``GROUP_MINIMUM``.
    """
    size = int(max(unmatched.max(initial=-1), who.max(initial=-1))) + 1
    with_arc = np.bincount(who, minlength=size) > 0
    open_arc = room[other]
    with_room = np.bincount(who[open_arc], minlength=size) > 0
    with_good_room = np.bincount(who[open_arc & (score >= 0)], minlength=size) > 0
    lonely = unmatched[~with_arc[unmatched]]
    counts = rule_counts(lonely) if len(lonely) else np.zeros((0, len(RULES) + 1), dtype=np.int64)
    worst = dict(zip(lonely.tolist(), np.argmax(counts[:, : len(RULES)], axis=1).tolist(), strict=True))
    reasons = []
    for i in unmatched.tolist():
        if i in worst:
            reasons.append(no_eligible(RULES[worst[i]]))
        elif not with_room[i]:
            reasons.append(CAPACITY_EXHAUSTED)
        elif not with_good_room[i]:
            reasons.append(NEGATIVE_ONLY)
        else:
            reasons.append(GROUP_MINIMUM if group_mode else CAPACITY_EXHAUSTED)
    return reasons


def next_best(who: I64, other: I64, score: I64, chosen: NDArray[np.bool_], k: int) -> dict[int, list[tuple[int, int]]]:
    """Per participant with a chosen arc: up to ``k`` other candidates (other index, score), score desc then id asc.

    Every matched participant has an entry (possibly empty); none at all when ``k`` is 0.
    """
    if k <= 0:
        return {}
    matched = distinct(who[chosen])
    out: dict[int, list[tuple[int, int]]] = {i: [] for i in matched.tolist()}
    if not len(matched):
        return out
    is_matched = np.zeros(int(who.max()) + 1, dtype=np.bool_)
    is_matched[matched] = True
    keep = np.flatnonzero(~chosen & is_matched[who])
    w, o, s = who[keep], other[keep], score[keep]
    order = order_by(w, -s, o)
    w, o, s = w[order], o[order], s[order]
    starts = np.flatnonzero(np.r_[True, w[1:] != w[:-1]]) if len(w) else np.zeros(0, dtype=np.int64)
    rank = np.arange(len(w)) - np.repeat(starts, np.diff(np.r_[starts, len(w)]))
    top = rank < k
    for i, j, v in zip(w[top].tolist(), o[top].tolist(), s[top].tolist(), strict=True):
        out[i].append((j, v))
    return out
