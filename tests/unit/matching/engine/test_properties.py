"""Property tests of ``solve`` on small random problems, against brute force built from the reference definitions."""

import random
from collections import Counter

from hypothesis import given, settings

from services.matching.engine import reasons
from services.matching.engine.model import Mode, Problem, Solution
from services.matching.engine.scoring import MICRO, RULES, breakdown, ineligibility
from services.matching.engine.solver import solve
from tests.unit.matching.engine.brute import (
    best_bipartite,
    best_peer,
    bipartite_problems,
    eligible,
    fallback_on,
    objective_key,
    peer_edges,
    peer_problems,
    split,
)

SETTINGS = settings(derandomize=True, max_examples=250, deadline=None)


def micro(value: float) -> int:
    return round(value * MICRO)


def check_bipartite(problem: Problem, solution: Solution) -> None:
    """Optimal, every hard rule and capacity respected, breakdowns right, reasons and alternatives consistent."""
    rules = problem.rules
    mentors, mentees = split(problem)
    by_id = {p.id: p for p in problem.participants}
    arcs = eligible(problem)
    group = rules.mode is Mode.GROUP
    cap = {m.id: min(m.capacity, rules.group_max) if group else m.capacity for m in mentors}
    loads = Counter(p.mentor_id for p in solution.pairs)
    assert all(loads[m] <= cap[m] for m in loads)
    if group:
        assert all(n >= rules.group_min for n in loads.values())
    assert len({p.mentee_id for p in solution.pairs}) == len(solution.pairs)
    for pair in solution.pairs:
        m, e = by_id[pair.mentor_id], by_id[pair.mentee_id]
        assert ineligibility(m, e, rules.hard, allow_other_district=pair.virtual) is None
        assert arcs[(m.id, e.id)] == (micro(pair.score), pair.virtual)
        assert pair.breakdown == breakdown(m, e, rules.weights)
    total = sum(micro(p.score) for p in solution.pairs)
    assert micro(solution.objective) == total
    assert objective_key(len(solution.pairs), total, rules.maximize_matched_first) == best_bipartite(problem)
    matched = {p.mentee_id: p.mentor_id for p in solution.pairs}
    assert [u.mentee_id for u in solution.unmatched] == [e.id for e in mentees if e.id not in matched]
    for u in solution.unmatched:
        assert u.reason == expected_reason(problem, u.mentee_id, loads, cap, arcs)
    assert Solution.model_validate(solution.model_dump()) == solution  # the unvalidated construction is faithful
    assert solution.pairs_considered == len(arcs)
    assert solution.proven_optimal  # small instances: the flow, or CP-SAT well within its work limit
    for e, alts in solution.alternatives.items():
        others = sorted((-arcs[(m, x)][0], m) for (m, x) in arcs if x == e and m != matched[e])
        assert [(a.mentor_id, micro(a.score)) for a in alts] == [(m, -s) for s, m in others[:3]]
    assert set(solution.alternatives) == set(matched)


def expected_reason(problem: Problem, mentee_id: str, loads: Counter, cap: dict, arcs: dict) -> str:
    mentors, mentees = split(problem)
    if not mentors:
        return reasons.NO_MENTORS
    mine = {m: s for (m, e), (s, _) in arcs.items() if e == mentee_id}
    if not mine:
        e = next(x for x in mentees if x.id == mentee_id)
        seen = Counter(
            ineligibility(m, e, problem.rules.hard, allow_other_district=fallback_on(problem.rules.hard)) for m in mentors
        )
        return reasons.no_eligible(max(RULES, key=lambda r: (seen[r], -RULES.index(r))))
    with_room = [s for m, s in mine.items() if loads[m] < cap[m]]
    if not with_room:
        return reasons.CAPACITY_EXHAUSTED
    if all(s < 0 for s in with_room):
        return reasons.NEGATIVE_ONLY
    assert problem.rules.mode is Mode.GROUP, "a mentee left out next to a free, non-negative mentor must be a group effect"
    return reasons.GROUP_MINIMUM


def shuffled(problem: Problem) -> Problem:
    people = list(problem.participants)
    random.Random(len(people)).shuffle(people)
    return problem.model_copy(update={"participants": tuple(reversed(people))})


@SETTINGS
@given(bipartite_problems())
def test_one_to_one_is_optimal_valid_explained_and_deterministic(problem: Problem):
    solution = solve(problem)
    check_bipartite(problem, solution)
    assert solve(problem) == solution
    assert solve(shuffled(problem)) == solution


@settings(derandomize=True, max_examples=300, deadline=None)
@given(bipartite_problems(Mode.GROUP, max_mentors=3, max_mentees=5))
def test_group_mode_is_optimal_with_group_sizes_respected(problem: Problem):
    solution = solve(problem)
    check_bipartite(problem, solution)
    assert solve(shuffled(problem)) == solution


@SETTINGS
@given(peer_problems())
def test_peer_mode_is_an_optimal_matching_within_the_pool(problem: Problem):
    solution = solve(problem)
    by_id = {p.id: p for p in problem.participants}
    edges = peer_edges(problem)
    seen: set[str] = set()
    for pair in solution.pairs:
        assert not {pair.mentor_id, pair.mentee_id} & seen
        seen |= {pair.mentor_id, pair.mentee_id}
        edge_score, mentor, virtual = edges[frozenset((pair.mentor_id, pair.mentee_id))]
        assert (micro(pair.score), pair.mentor_id, pair.virtual) == (edge_score, mentor, virtual)
        m, e = by_id[pair.mentor_id], by_id[pair.mentee_id]
        assert ineligibility(m, e, problem.rules.hard, allow_other_district=virtual) is None
        assert pair.breakdown == breakdown(m, e, problem.rules.weights)
    total = sum(micro(p.score) for p in solution.pairs)
    assert objective_key(len(solution.pairs), total, problem.rules.maximize_matched_first) == best_peer(problem)
    assert sorted(u.mentee_id for u in solution.unmatched) == sorted(set(by_id) - seen)
    assert solution.pairs_considered == len(edges)
    assert solution.proven_optimal
    assert Solution.model_validate(solution.model_dump()) == solution
    for u in solution.unmatched:
        partners = [k for k in edges if u.mentee_id in k]
        if u.reason.startswith("no eligible"):
            assert not partners
        elif u.reason == reasons.CAPACITY_EXHAUSTED:
            assert partners and all(k - {u.mentee_id} <= seen for k in partners)
        else:
            assert u.reason in (reasons.NEGATIVE_ONLY, reasons.NO_PEERS)
    assert solve(shuffled(problem)) == solution
