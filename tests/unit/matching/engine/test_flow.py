"""The min-cost flow stage: solving on each mentee's best arcs first and proving optimality gives the exact optimum."""

from itertools import product
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matching.engine import flow


@st.composite
def arcs(draw: st.DrawFn, max_mentors: int = 4, max_mentees: int = 5) -> tuple[np.ndarray, ...]:
    n_m, n_e = draw(st.integers(1, max_mentors)), draw(st.integers(1, max_mentees))
    dense = draw(st.lists(st.booleans(), min_size=n_m * n_e, max_size=n_m * n_e))
    pairs = [(m, e) for e in range(n_e) for m in range(n_m) if dense[e * n_m + m]] or [(0, 0)]
    score = draw(st.lists(st.integers(-3, 6), min_size=len(pairs), max_size=len(pairs)))
    capacity = draw(st.lists(st.integers(0, 2), min_size=n_m, max_size=n_m).filter(any))
    mi, ei = (np.array(c, dtype=np.int64) for c in zip(*pairs, strict=True))
    return mi, ei, np.array(score, dtype=np.int64), np.array(capacity, dtype=np.int64), np.array([n_e])


def brute(mi, ei, score, capacity, n_e, matched_first):
    options = [[None, *np.flatnonzero(ei == e).tolist()] for e in range(n_e)]
    best = None
    for pick in product(*options):
        used = [a for a in pick if a is not None]
        if any(np.sum(mi[used] == m) > capacity[m] for m in range(len(capacity))):
            continue
        total, count = int(score[used].sum()), len(used)
        key = (count, total) if matched_first else (total, count)
        best = key if best is None else max(best, key)
    return best


@pytest.mark.parametrize(("first", "rounds"), [(1, 4), (1, 0), (2, 1), (16, 4)])
@settings(derandomize=True, max_examples=80, deadline=None)
@given(problem=arcs(), matched_first=st.booleans())
def test_pruned_rounds_reach_the_brute_force_optimum(first, rounds, problem, matched_first):
    mi, ei, score, capacity, (n_e,) = problem
    with patch.object(flow, "FIRST_ARCS", first), patch.object(flow, "ROUNDS", rounds):
        chosen = flow.assign(mi, ei, score, capacity, int(n_e), matched_first=matched_first)
    assert np.bincount(ei[chosen], minlength=n_e).max(initial=0) <= 1
    assert (np.bincount(mi[chosen], minlength=len(capacity)) <= capacity).all()
    key = (int(chosen.sum()), int(score[chosen].sum()))
    assert (key if matched_first else key[::-1]) == brute(mi, ei, score, capacity, int(n_e), matched_first)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), matched_first=st.booleans())
def test_on_larger_instances_the_first_arcs_shortcut_changes_nothing(seed, matched_first):
    rng = np.random.default_rng(seed)
    n_m, n_e = 30, 60
    dense = rng.random((n_e, n_m)) < 0.5
    ei, mi = np.nonzero(dense)
    score = rng.integers(-2, 40, len(mi)) * 1000
    capacity = rng.integers(0, 3, n_m)
    with patch.object(flow, "FIRST_ARCS", 2):
        quick = flow.assign(mi, ei, score, capacity, n_e, matched_first=matched_first)
    with patch.object(flow, "ROUNDS", 0):
        full = flow.assign(mi, ei, score, capacity, n_e, matched_first=matched_first)
    assert (quick.sum(), score[quick].sum()) == (full.sum(), score[full].sum())
