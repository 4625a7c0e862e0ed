"""``suggestions`` and ``check_pair``: the solver's eligibility and scores, one mentee or one pair at a time."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matching.engine.model import HardRules, Mode, Problem, Profile, Rules, Solution, Weights
from services.matching.engine.scoring import MICRO, breakdown, ineligibility, violations
from services.matching.engine.solver import solve
from services.matching.engine.suggest import PairCheck, Suggestion, check_pair, suggestions
from tests.unit.matching.engine.brute import bipartite_problems, eligible, fallback_on, peer_edges, peer_problems, person, split

SETTINGS = settings(derandomize=True, max_examples=150, deadline=None)
ALL = 100  # a k larger than any candidate list here


def micro(value: float) -> int:
    return round(value * MICRO)


def same_as_the_solvers_alternatives(solution: Solution, listed: dict[str, list[Suggestion]]) -> None:
    """A matched participant's alternatives are its suggestions (mentors full or not) without its own partner."""
    partner = {p.mentee_id: p.mentor_id for p in solution.pairs} | {p.mentor_id: p.mentee_id for p in solution.pairs}
    for who, alts in solution.alternatives.items():
        others = [(s.mentor_id, s.score) for s in listed[who] if s.mentor_id != partner[who]]
        assert [(a.mentor_id, a.score) for a in alts] == others[:3]


@SETTINGS
@given(st.sampled_from([Mode.ONE_TO_ONE, Mode.GROUP]).flatmap(lambda mode: bipartite_problems(mode, max_mentors=4)))
def test_bipartite_suggestions_and_checks_agree_with_brute_force_and_the_solver(problem: Problem):
    mentors, mentees = split(problem)
    hard, weights = problem.rules.hard, problem.rules.weights
    arcs = eligible(problem)
    listed = {e.id: suggestions(problem, e.id, k=ALL) for e in mentees}
    for e in mentees:
        expected = sorted((-s, m, v) for (m, x), (s, v) in arcs.items() if x == e.id)
        assert [(-micro(s.score), s.mentor_id, s.virtual) for s in listed[e.id]] == expected
        by_id = {m.id: m for m in mentors}
        assert all(s.breakdown == breakdown(by_id[s.mentor_id], e, weights) for s in listed[e.id])
        assert suggestions(problem, e.id, k=2) == listed[e.id][:2]
        lonely = fallback_on(hard) and not any(ineligibility(m, e, hard) is None for m in mentors)
        for m in mentors:
            check = check_pair(problem, m.id, e.id)
            assert check.virtual == (lonely and m.district != e.district)
            assert check.violations == violations(m, e, hard, allow_other_district=check.virtual)
            assert check.eligible == (not check.violations) == ((m.id, e.id) in arcs)
            assert (check.breakdown, micro(check.score)) == (
                breakdown(m, e, weights),
                round(sum(breakdown(m, e, weights).values()) * MICRO),
            )
    solution = solve(problem)
    for pair in solution.pairs:
        found = next(s for s in listed[pair.mentee_id] if s.mentor_id == pair.mentor_id)
        assert (found.score, found.breakdown, found.virtual) == (pair.score, pair.breakdown, pair.virtual)
        assert check_pair(problem, pair.mentor_id, pair.mentee_id) == PairCheck(
            eligible=True, violations=(), score=pair.score, breakdown=pair.breakdown, virtual=pair.virtual
        )
    same_as_the_solvers_alternatives(solution, listed)


@SETTINGS
@given(peer_problems(max_peers=5))
def test_peer_suggestions_and_checks_agree_with_brute_force_and_the_solver(problem: Problem):
    pool = sorted(problem.participants, key=lambda p: p.id)
    by_id = {p.id: p for p in pool}
    edges = peer_edges(problem)
    hard = problem.rules.hard
    at_home = {a.id for a in pool for b in pool if b is not a and a.district == b.district and b.id in partners(problem, a)}
    listed = {a.id: suggestions(problem, a.id, k=ALL) for a in pool}
    for a in pool:
        expected = sorted((-s, next(iter(k - {a.id})), v) for k, (s, _, v) in edges.items() if a.id in k)
        assert [(-micro(s.score), s.mentor_id, s.virtual) for s in listed[a.id]] == expected
        for s in listed[a.id]:
            lead = edges[frozenset((a.id, s.mentor_id))][1]
            other = s.mentor_id if lead == a.id else a.id
            assert s.breakdown == breakdown(by_id[lead], by_id[other], problem.rules.weights)
        for b in pool:
            if b is a:
                continue
            check = check_pair(problem, b.id, a.id)
            assert check.virtual == (fallback_on(hard) and a.district != b.district and not {a.id, b.id} <= at_home)
            edge = edges.get(frozenset((a.id, b.id)))
            assert check.eligible == (edge is not None) == (not check.violations)
            if edge:  # either way round the same pair, in its best orientation
                assert check == check_pair(problem, a.id, b.id)
                assert (micro(check.score), check.virtual) == (edge[0], edge[2])
            else:  # the orientation breaking the fewest rules, b leading on a tie
                ways = [violations(x, y, hard, allow_other_district=check.virtual) for x, y in ((b, a), (a, b))]
                assert check.violations == min(ways, key=len)
    solution = solve(problem)
    for pair in solution.pairs:
        found = next(s for s in listed[pair.mentee_id] if s.mentor_id == pair.mentor_id)
        assert (found.score, found.breakdown, found.virtual) == (pair.score, pair.breakdown, pair.virtual)
    same_as_the_solvers_alternatives(solution, listed)


def partners(problem: Problem, a: Profile) -> set[str]:
    """The peers ``a`` may pair with under the ordinary rules (no fallback), either leading."""
    hard = problem.rules.hard
    return {
        b.id
        for b in problem.participants
        if b is not a and (ineligibility(a, b, hard) is None or ineligibility(b, a, hard) is None)
    }


def mentor(pid: str, **kw) -> Profile:
    return person(pid, "mentor", years_experience=20, **kw)


def test_suggestions_are_the_best_k_with_ties_by_id_and_never_a_full_mentor():
    people = (mentor("m3"), mentor("m1"), mentor("m2", school="s2"), mentor("m0", capacity=0), person("e1"))
    problem = Problem(participants=people)
    got = suggestions(problem, "e1", k=2)
    assert [(s.mentor_id, s.score, s.virtual) for s in got] == [("m1", 3.0, False), ("m3", 3.0, False)]
    assert [(s.mentor_id, s.score) for s in suggestions(problem, "e1")][2:] == [("m2", 2.0)]  # m0: no capacity left
    assert suggestions(problem, "e1", k=0) == []


def test_other_districts_are_suggested_only_when_no_local_mentor_is_eligible():
    people = (mentor("m1", district="d2"), mentor("m2", trained=False), person("e1"))
    assert [(s.mentor_id, s.virtual) for s in suggestions(Problem(participants=people), "e1")] == [("m1", True)]
    with_local = Problem(participants=(*people, mentor("m3")))
    assert [(s.mentor_id, s.virtual) for s in suggestions(with_local, "e1")] == [("m3", False)]
    no_fallback = Problem(participants=people, rules=Rules(hard=HardRules(virtual_fallback=False)))
    assert suggestions(no_fallback, "e1") == []


def test_check_pair_lists_every_broken_rule_and_lifts_same_district_for_the_virtual_fallback():
    people = (mentor("m1", district="d2", trained=False, capacity=0), mentor("m2", subjects=frozenset({"art"})), person("e1"))
    lonely = check_pair(Problem(participants=people), "m1", "e1")
    assert (lonely.eligible, lonely.violations, lonely.virtual) == (False, ("trained_only", "capacity_zero"), True)
    assert lonely.score == sum(lonely.breakdown.values()) > 0  # scored all the same
    local = Problem(participants=(*people, mentor("m3")))  # e1 now has an eligible mentor at home: no fallback
    assert check_pair(local, "m1", "e1").violations == ("same_district", "trained_only", "capacity_zero")
    assert check_pair(local, "m2", "e1").violations == ("subject_match",)
    assert check_pair(local, "m3", "e1") == PairCheck(
        eligible=True, violations=(), score=3.0, breakdown=breakdown(mentor("m3"), people[2], Rules().weights)
    )


def test_in_peer_mode_the_pair_is_judged_by_its_best_orientation():
    rules = Rules(mode=Mode.PEER)
    lead, follow = person("p1", "peer", years_experience=12, trained=True), person("p2", "peer")
    problem = Problem(participants=(lead, follow, person("p3", "peer", subjects=frozenset({"art"}))), rules=rules)
    assert check_pair(problem, "p2", "p1").eligible  # p1 can lead p2 (the other way round breaks two rules)
    assert [s.mentor_id for s in suggestions(problem, "p2")] == ["p1"]
    blocked = check_pair(problem, "p3", "p2")
    assert blocked.violations == ("subject_match", "trained_only", "min_experience_gap")  # p3 leading: the given way
    assert check_pair(problem, "p3", "p1").violations == ("subject_match",)  # p1 leading breaks fewer rules


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda p: suggestions(p, "nobody"), KeyError, "nobody"),
        (lambda p: check_pair(p, "ghost", "e1"), KeyError, "ghost"),
        (lambda p: check_pair(p, "m1", "ghost"), KeyError, "ghost"),
        (lambda p: suggestions(p, "m1"), ValueError, "m1 is not a mentee"),
        (lambda p: check_pair(p, "e1", "e1"), ValueError, "e1 is not a mentor"),
        (lambda p: check_pair(p, "m1", "p1"), ValueError, "p1 is not a mentee"),
        (lambda p: suggestions(p, "e1", k=-1), ValueError, "k must be 0 or more"),
    ],
)
def test_unknown_ids_and_wrong_roles_are_refused_by_name(call, error, message):
    problem = Problem(participants=(mentor("m1"), person("e1"), person("p1", "peer")))
    with pytest.raises(error, match=message):
        call(problem)


def test_in_peer_mode_both_ids_must_be_other_peers():
    problem = Problem(participants=(mentor("m1"), person("p1", "peer"), person("p2", "peer")), rules=Rules(mode=Mode.PEER))
    with pytest.raises(ValueError, match="m1 is not a peer"):
        check_pair(problem, "m1", "p1")
    with pytest.raises(ValueError, match="p1 cannot be paired with itself"):
        check_pair(problem, "p1", "p1")
    assert suggestions(problem, "p1") == []  # neither untrained newcomer can lead the other


def test_a_peer_is_never_its_own_local_partner_so_the_fallback_still_applies():
    # p1 could "lead itself" (trained, no gap rule), but it has no other peer at home: p2 abroad is a virtual partner.
    rules = Rules(mode=Mode.PEER, hard=HardRules(min_experience_gap=0))
    alone = person("p1", "peer", trained=True)
    problem = Problem(participants=(alone, person("p2", "peer", district="d2", trained=True)), rules=rules)
    assert [(s.mentor_id, s.virtual) for s in suggestions(problem, "p1")] == [("p2", True)]
    assert check_pair(problem, "p2", "p1").virtual


def test_a_peer_pair_scoring_the_same_either_way_takes_the_smaller_mentor_ids_breakdown():
    weights = Weights(shared_interests=2, support_style=0, availability_overlap=0, same_school=0, experience_gap=1)
    rules = Rules(mode=Mode.PEER, hard=HardRules(min_experience_gap=0), weights=weights)
    a = person("p1", "peer", trained=True, years_experience=10, expertise=frozenset({"x"}))
    b = person("p2", "peer", trained=True, years_experience=0, expertise=frozenset({"x", "y"}))
    problem = Problem(participants=(a, b), rules=rules)  # p1 leading: 1 + 1; p2 leading: 2 + 0
    (pair,) = solve(problem).pairs
    assert (pair.mentor_id, pair.breakdown["shared_interests"]) == ("p1", 1.0)
    assert check_pair(problem, "p2", "p1").breakdown == pair.breakdown == suggestions(problem, "p2")[0].breakdown
