"""The numpy rules and scores used by the solver agree with the reference definitions in ``scoring``, pair for pair."""

from collections import Counter
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matching.engine import availability
from services.matching.engine.arcscore import breakdown_micro as vector_micro
from services.matching.engine.candidates import Rules
from services.matching.engine.encode import encode, order_by
from services.matching.engine.model import Problem
from services.matching.engine.scoring import RULES, breakdown_micro, ineligibility
from tests.unit.matching.engine.brute import bipartite_problems, peer_problems, person, split

SETTINGS = settings(derandomize=True, max_examples=150, deadline=None)


def pairs(mi: np.ndarray, ei: np.ndarray, mentors: list, mentees: list) -> set[tuple[str, str]]:
    return {(mentors[m].id, mentees[e].id) for m, e in zip(mi.tolist(), ei.tolist(), strict=True)}


@SETTINGS
@given(bipartite_problems(max_mentors=4, max_mentees=4))
def test_eligible_pairs_and_rule_counts_match_ineligibility(problem: Problem):
    mentors, mentees = split(problem)
    hard = problem.rules.hard
    side_m, side_e = encode(mentors, mentees)
    rules = Rules(side_m, side_e, hard)
    local = {(m.id, e.id) for m in mentors for e in mentees if ineligibility(m, e, hard) is None}
    assert pairs(*rules.eligible(), mentors, mentees) == local
    cross = {
        (m.id, e.id)
        for m in mentors
        for e in mentees
        if m.district != e.district and ineligibility(m, e, hard, allow_other_district=True) is None
    }
    assert pairs(*rules.eligible(cross=True), mentors, mentees) == cross
    for allow in (False, True):
        counts = rules.rule_counts(np.arange(len(mentees)), allow_other_district=allow)
        for row, e in zip(counts.tolist(), mentees, strict=True):
            seen = Counter(ineligibility(m, e, hard, allow_other_district=allow) for m in mentors)
            assert row == [seen[r] for r in RULES] + [seen[None]]


@SETTINGS
@given(bipartite_problems(max_mentors=4, max_mentees=4), st.sampled_from([availability.MAX_CELLS, 0]))
def test_vectorised_breakdowns_equal_the_reference_bit_for_bit(problem: Problem, max_cells: int):
    # max_cells 0: no availability grid, so overlaps are summed interval by interval instead of counted in cells.
    mentors, mentees = split(problem)
    with patch.object(availability, "MAX_CELLS", max_cells):
        side_m, side_e = encode(mentors, mentees)
    assert (side_m.availability.cells is None) == (max_cells == 0 or not any(p.availability for p in mentors + mentees))
    mi, ei = np.divmod(np.arange(len(mentors) * len(mentees)), max(len(mentees), 1))
    got = vector_micro(side_m, side_e, mi, ei, problem.rules.weights)
    for row, m, e in zip(got.tolist(), mi.tolist(), ei.tolist(), strict=True):
        assert tuple(row) == breakdown_micro(mentors[m], mentees[e], problem.rules.weights)


@SETTINGS
@given(peer_problems(max_peers=5))
def test_in_one_pool_nobody_is_paired_with_themselves(problem: Problem):
    pool = sorted(problem.participants, key=lambda p: p.id)
    (side,) = encode(pool)
    rules = Rules(side, side, problem.rules.hard)
    expected = {(a.id, b.id) for a in pool for b in pool if a is not b and ineligibility(a, b, problem.rules.hard) is None}
    assert pairs(*rules.eligible(), pool, pool) == expected
    counts = rules.rule_counts(np.arange(len(pool)), allow_other_district=False)
    assert counts.sum(axis=1).tolist() == [len(pool) - 1] * len(pool)


def test_many_distinct_tags_use_several_mask_words():
    tags = frozenset(f"t{i}" for i in range(150))
    mentor = person("m", "mentor", expertise=tags, subjects=frozenset({"t149"}))
    mentee = person("e", expertise=frozenset({"t3", "t140", "zz"}), subjects=frozenset({"t149", "t0"}))
    side_m, side_e = encode([mentor], [mentee])
    assert side_m.expertise.shape[1] == 3
    assert pairs(*Rules(side_m, side_e, problem_hard()).eligible(), [mentor], [mentee]) == {("m", "e")}
    zero = np.zeros(1, dtype=np.int64)
    w = Problem(participants=()).rules.weights
    assert tuple(vector_micro(side_m, side_e, zero, zero, w)[0]) == breakdown_micro(mentor, mentee, w)


def problem_hard():
    return Problem(participants=()).rules.hard


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 3), st.integers(-5, 5), st.integers(0, 4)), min_size=1, max_size=30))
def test_order_by_sorts_like_lexsort(rows):
    keys = [np.array(col, dtype=np.int64) for col in zip(*rows, strict=True)]
    got = order_by(*keys)
    assert [rows[i] for i in got.tolist()] == sorted(rows)
