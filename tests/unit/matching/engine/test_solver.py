"""``solve``: the documented behaviours, one example each."""

from unittest.mock import patch

import pytest

from services.matching.engine import cpsat, reasons
from services.matching.engine.model import HardRules, Mode, Problem, Profile, Rules, Weights
from services.matching.engine.scoring import ineligibility
from services.matching.engine.solver import solve
from tests.unit.matching.engine.brute import person

FLAT = Weights(shared_interests=0, support_style=0, availability_overlap=0, same_school=0, experience_gap=1)


def run(*people: Profile, alternatives: int = 3, **rules) -> tuple[dict, dict]:
    """(mentee → mentor, mentee → reason)."""
    solution = solve(Problem(participants=people, rules=Rules(**({"weights": FLAT} | rules))), alternatives=alternatives)
    return {p.mentee_id: p.mentor_id for p in solution.pairs}, {u.mentee_id: u.reason for u in solution.unmatched}


def mentor(pid: str, years: int = 20, **kw) -> Profile:
    return person(pid, "mentor", years_experience=years, **kw)


def test_the_total_is_maximised_not_each_mentee_greedily():
    # e1 prefers m1 (gap 10 vs 5), but only m1 fits e2: the optimum gives m1 to e2 and m2 to e1.
    people = (
        mentor("m1", 11, subjects=frozenset({"math", "art"})),
        mentor("m2", 6),
        person("e1"),
        person("e2", subjects=frozenset({"art"})),
    )
    solution = solve(Problem(participants=people, rules=Rules(weights=FLAT, maximize_matched_first=False)))
    assert {p.mentee_id: p.mentor_id for p in solution.pairs} == {"e1": "m2", "e2": "m1"}
    assert solution.objective == 1.5 == sum(p.score for p in solution.pairs)
    assert all(sum(p.breakdown.values()) == p.score for p in solution.pairs)


def test_capacity_is_respected_and_the_rest_are_told_why():
    pairs, why = run(mentor("m1", capacity=2), person("e1"), person("e2"), person("e3"))
    assert len(pairs) == 2 and set(pairs.values()) == {"m1"}
    assert list(why.values()) == [reasons.CAPACITY_EXHAUSTED]


def test_no_mentors_and_no_eligible_mentor_reasons():
    assert run(person("e1"))[1] == {"e1": reasons.NO_MENTORS}
    people = (
        mentor("m1", trained=False),
        mentor("m2", trained=False),
        mentor("m3", grade_bands=frozenset({"K-2"})),
        person("e1"),
    )
    assert run(*people)[1] == {"e1": "no eligible mentor: trained_only"}


def test_a_tie_between_rules_names_the_earlier_rule():
    people = (mentor("m1", trained=False), mentor("m2", subjects=frozenset({"art"})), person("e1"))
    assert run(*people)[1] == {"e1": "no eligible mentor: subject_match"}


def test_virtual_fallback_only_for_mentees_without_a_local_mentor():
    people = (mentor("m1", district="d2", capacity=2), person("e1"), person("e2", district="d2"))
    solution = solve(Problem(participants=people, rules=Rules(weights=FLAT)))
    assert {(p.mentee_id, p.virtual) for p in solution.pairs} == {("e1", True), ("e2", False)}
    # e2 has a local mentor (m2), so it never gets m1 from the other district.
    people = (mentor("m1", district="d2"), mentor("m2"), person("e2"))
    assert run(*people)[0] == {"e2": "m2"}
    off = HardRules(virtual_fallback=False)
    assert run(mentor("m1", district="d2"), person("e1"), hard=off)[1] == {"e1": "no eligible mentor: same_district"}


def test_when_the_fallback_is_on_same_district_is_never_the_reason():
    assert run(mentor("m1", district="d2", trained=False), person("e1"))[1] == {"e1": "no eligible mentor: trained_only"}


def test_score_only_mode_makes_zero_score_pairs_but_never_negative_ones():
    weights = Weights(shared_interests=0, support_style=0, availability_overlap=0, same_school=-1, experience_gap=0)
    pairs, why = run(
        mentor("m1"), mentor("m2", school="s2"), person("e1"), person("e2"), weights=weights, maximize_matched_first=False
    )
    assert len(pairs) == 1 and why == {next(e for e in ("e1", "e2") if e not in pairs): reasons.NEGATIVE_ONLY}
    pairs, why = run(mentor("m1"), mentor("m2", school="s2"), person("e1"), person("e2"), weights=weights)
    assert len(pairs) == 2 and not why  # maximize_matched_first takes the negative pair to match one more


def test_group_mode_respects_group_min_and_group_max():
    e = [person(f"e{i}") for i in range(5)]
    pairs, why = run(mentor("m1", capacity=9), *e, mode=Mode.GROUP, group_min=2, group_max=3)
    assert len(pairs) == 3 and set(why.values()) == {reasons.CAPACITY_EXHAUSTED}
    # m2 could take e4 alone, but a group of one is below group_min.
    pairs, why = run(mentor("m1", capacity=2), mentor("m2", 15, capacity=3, subjects=frozenset({"art"})), *e[:2],
                     person("e4", subjects=frozenset({"art"})), mode=Mode.GROUP, group_min=2, group_max=3)  # fmt: skip
    assert pairs == {"e0": "m1", "e1": "m1"} and why == {"e4": reasons.GROUP_MINIMUM}
    pairs, why = run(mentor("m1", capacity=1), *e[:2], mode=Mode.GROUP, group_min=2, group_max=3)
    assert not pairs and set(why.values()) == {reasons.GROUP_MINIMUM}


def test_group_min_can_move_mentees_to_reach_a_group():
    # The flow alone gives e0→m1 and e1→m2 (groups of one); with group_min 2 both must go to m2 (the only one e1 fits).
    school = Weights(shared_interests=0, support_style=0, availability_overlap=0, same_school=1, experience_gap=0)
    people = (mentor("m1", capacity=2), mentor("m2", capacity=2, school="s2", subjects=frozenset({"math", "art"})),
              person("e0"), person("e1", school="s2", subjects=frozenset({"art"})))  # fmt: skip
    solution = solve(Problem(participants=people, rules=Rules(mode=Mode.GROUP, weights=school, group_min=2)))
    assert {p.mentee_id: p.mentor_id for p in solution.pairs} == {"e0": "m2", "e1": "m2"}
    assert solution.objective == 1.0


def test_alternatives_are_the_next_best_eligible_mentors():
    people = (mentor("m1", 30), mentor("m2", 12), mentor("m3", 12), mentor("m4", 8), person("e1"))
    solution = solve(Problem(participants=people, rules=Rules(weights=FLAT)), alternatives=2)
    assert solution.pairs[0].mentor_id == "m1"
    assert [(a.mentor_id, a.score) for a in solution.alternatives["e1"]] == [("m2", 1.0), ("m3", 1.0)]
    assert solve(Problem(participants=people, rules=Rules(weights=FLAT)), alternatives=0).alternatives == {}


def test_peer_mode_pairs_within_the_pool_and_ignores_other_roles():
    peers = [
        person(f"p{i}", "peer", years_experience=y, trained=t)
        for i, (y, t) in enumerate([(10, True), (1, False), (9, True), (2, False), (5, False)])
    ]
    solution = solve(Problem(participants=(*peers, mentor("m1"), person("e1")), rules=Rules(mode=Mode.PEER, weights=FLAT)))
    assert {(p.mentor_id, p.mentee_id) for p in solution.pairs} in ({("p0", "p1"), ("p2", "p3")}, {("p0", "p3"), ("p2", "p1")})
    assert [(u.mentee_id, u.reason) for u in solution.unmatched] == [("p4", reasons.CAPACITY_EXHAUSTED)]
    alone = solve(Problem(participants=(peers[0],), rules=Rules(mode=Mode.PEER)))
    assert [u.reason for u in alone.unmatched] == [reasons.NO_PEERS]


def test_the_same_input_in_any_order_gives_the_same_solution():
    people = [mentor(f"m{i}", 10 + i % 3, capacity=1 + i % 2) for i in range(6)] + [
        person(f"e{i}", years_experience=i % 4) for i in range(9)
    ]
    problem = Problem(participants=tuple(people), rules=Rules())
    assert solve(problem) == solve(problem.model_copy(update={"participants": tuple(reversed(people))}))


def group_min_problem() -> Problem:
    """The flow alone leaves two groups of one: only CP-SAT finds the optimum (both mentees with m2)."""
    school = Weights(shared_interests=0, support_style=0, availability_overlap=0, same_school=1, experience_gap=0)
    people = (mentor("m1", capacity=2), mentor("m2", capacity=2, school="s2", subjects=frozenset({"math", "art"})),
              person("e0"), person("e1", school="s2", subjects=frozenset({"art"})))  # fmt: skip
    return Problem(participants=people, rules=Rules(mode=Mode.GROUP, weights=school, group_min=2))


def peer_pool(n: int) -> Problem:
    peers = [person(f"p{i:02d}", "peer", years_experience=(i * 7) % 13, trained=i % 2 == 0, school=f"s{i % 3}") for i in range(n)]
    return Problem(participants=tuple(peers), rules=Rules(mode=Mode.PEER, hard=HardRules(min_experience_gap=1)))


def test_solutions_say_how_many_pairs_were_scored_and_that_they_are_proven_optimal():
    one = solve(Problem(participants=(mentor("m1"), mentor("m2", district="d2"), person("e1"), person("e2", district="d3"))))
    assert (one.proven_optimal, one.pairs_considered) == (True, 3)  # e1-m1 local; e2 has no local mentor: both virtual
    group = solve(group_min_problem())
    assert (group.proven_optimal, group.pairs_considered, group.objective) == (True, 3, 1.0)
    peers = solve(peer_pool(20))
    assert peers.proven_optimal and peers.pairs_considered == 78 and len(peers.pairs) == 8
    for empty in (Problem(participants=(person("e1"),)), Problem(participants=(), rules=Rules(mode=Mode.PEER))):
        assert (solve(empty).proven_optimal, solve(empty).pairs_considered) == (True, 0)


def test_past_the_work_limit_the_answer_is_feasible_but_not_proven_optimal():
    stopped = solve(group_min_problem(), work_limit=1e-9)
    assert not stopped.proven_optimal and stopped.pairs_considered == 3
    assert not stopped.pairs  # the flow's repair (both groups too small, so closed): feasible, not optimal
    assert {u.mentee_id for u in stopped.unmatched} == {"e0", "e1"}
    pool = peer_pool(20)
    best, cut = solve(pool), solve(pool, work_limit=1e-9)
    assert not cut.proven_optimal and cut.pairs_considered == best.pairs_considered
    assert (len(cut.pairs), cut.objective) < (len(best.pairs), best.objective)  # the greedy start, kept as it is
    seen = [x for p in cut.pairs for x in (p.mentor_id, p.mentee_id)]
    assert len(seen) == len(set(seen))
    best_pairs = {frozenset((p.mentor_id, p.mentee_id)) for p in best.pairs}
    eligible = {frozenset((a.id, b.id)) for a in pool.participants for b in pool.participants
                if a.id < b.id and any(ineligibility(x, y, pool.rules.hard) is None for x, y in ((a, b), (b, a)))}  # fmt: skip
    assert {frozenset((p.mentor_id, p.mentee_id)) for p in cut.pairs} <= eligible and best_pairs <= eligible
    assert solve(pool, work_limit=1e-9) == cut  # a work limit, not a clock: the same stop every time


def test_the_default_work_limit_is_a_module_constant_and_must_be_positive():
    with patch.object(cpsat, "WORK_LIMIT", 1e-9):
        assert not solve(peer_pool(20)).proven_optimal
    assert solve(peer_pool(20)).proven_optimal
    with pytest.raises(ValueError, match="work_limit must be above 0"):
        solve(peer_pool(4), work_limit=0)
