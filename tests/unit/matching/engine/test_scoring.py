"""The reference definitions: every hard rule of ``ineligibility`` and every criterion of ``breakdown``."""

from datetime import time

import pytest
from hypothesis import given, settings

from services.matching.engine.model import HardRules, Problem, Profile, Slot, Weights
from services.matching.engine.scoring import CRITERIA, RULES, breakdown, ineligibility, score, violations
from tests.unit.matching.engine.brute import bipartite_problems, person, split

HARD = HardRules()
ONLY = Weights(shared_interests=0, support_style=0, availability_overlap=0, same_school=0, experience_gap=0)


def slot(day: str, start: tuple[int, int], end: tuple[int, int]) -> Slot:
    return Slot(weekday=day, start=time(*start), end=time(*end))  # type: ignore[arg-type]


def test_the_default_pair_is_eligible_and_rules_are_listed_in_order():
    assert ineligibility(person("m", "mentor"), person("e"), HARD) is None
    assert RULES[0] == "excluded" and RULES[-1] == "capacity_zero" and len(RULES) == 8


@pytest.mark.parametrize(
    ("mentor", "mentee", "rule"),
    [
        ({"exclusions": frozenset({"e"})}, {}, "excluded"),
        ({}, {"exclusions": frozenset({"m"})}, "excluded"),
        ({"district": "d2"}, {}, "same_district"),
        ({"subjects": frozenset({"art"})}, {}, "subject_match"),
        ({"grade_bands": frozenset({"K-2"})}, {}, "grade_band_overlap"),
        ({"trained": False}, {}, "trained_only"),
        ({"years_experience": 3}, {"years_experience": 1}, "min_experience_gap"),
        ({"capacity": 0}, {}, "capacity_zero"),
    ],
)
def test_each_hard_rule_is_named_when_broken(mentor, mentee, rule):
    assert ineligibility(person("m", "mentor", **mentor), person("e", **mentee), HARD) == rule


def test_shared_language_applies_only_when_switched_on():
    m, e = person("m", "mentor", languages=frozenset({"es"})), person("e")
    assert ineligibility(m, e, HARD) is None
    assert ineligibility(m, e, HARD.model_copy(update={"shared_language": True})) == "shared_language"


def test_the_first_broken_rule_is_reported():
    m = person("m", "mentor", district="d2", trained=False, capacity=0, exclusions=frozenset({"e"}))
    assert ineligibility(m, person("e"), HARD) == "excluded"
    assert ineligibility(m.model_copy(update={"exclusions": frozenset()}), person("e"), HARD) == "same_district"


def test_violations_lists_every_broken_rule_in_order_and_starts_with_the_first():
    m = person("m", "mentor", district="d2", subjects=frozenset({"art"}), grade_bands=frozenset({"K-2"}), trained=False,
               years_experience=2, languages=frozenset({"es"}), capacity=0, exclusions=frozenset({"e"}))  # fmt: skip
    hard = HARD.model_copy(update={"shared_language": True})
    assert violations(m, person("e"), hard) == RULES
    assert violations(m, person("e"), hard, allow_other_district=True) == tuple(r for r in RULES if r != "same_district")
    fixed = m.model_copy(update={"exclusions": frozenset(), "trained": True, "capacity": 1})
    assert violations(fixed, person("e"), HARD) == ("same_district", "subject_match", "grade_band_overlap", "min_experience_gap")
    assert violations(fixed, person("e"), HARD)[0] == ineligibility(fixed, person("e"), HARD)
    assert violations(person("m", "mentor"), person("e"), hard) == ()


SWITCHES = ("same_district", "subject_match", "grade_band_overlap", "trained_only", "shared_language")


def isolated(rule: str, mentor: Profile, mentee: Profile, hard: HardRules) -> tuple[Profile, Profile, HardRules]:
    """The pair with every hard rule but ``rule`` neutralised (switched off, exclusions cleared, capacity made 1+)."""
    flags = {name: getattr(hard, name) and name == rule for name in SWITCHES}
    gap = hard.min_experience_gap if rule == "min_experience_gap" else 0
    if rule != "excluded":
        mentor, mentee = (p.model_copy(update={"exclusions": frozenset()}) for p in (mentor, mentee))
    if rule != "capacity_zero":
        mentor = mentor.model_copy(update={"capacity": max(1, mentor.capacity)})
    return mentor, mentee, HardRules(**flags, min_experience_gap=gap)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(bipartite_problems(max_mentors=2, max_mentees=2))
def test_violations_are_each_rule_of_ineligibility_checked_on_its_own(problem: Problem):
    mentors, mentees = split(problem)
    for m, e, allow in ((m, e, allow) for m in mentors for e in mentees for allow in (False, True)):
        got = violations(m, e, problem.rules.hard, allow_other_district=allow)
        assert got == tuple(r for r in RULES if r in got)
        assert got[:1] == tuple(r for r in [ineligibility(m, e, problem.rules.hard, allow_other_district=allow)] if r)
        for rule in RULES:
            alone = isolated(rule, m, e, problem.rules.hard)
            assert (rule in got) == (ineligibility(*alone, allow_other_district=allow) == rule)


def test_switched_off_rules_are_not_checked():
    m = person(
        "m",
        "mentor",
        district="d2",
        subjects=frozenset({"art"}),
        grade_bands=frozenset({"K-2"}),
        trained=False,
        years_experience=0,
    )
    off = HardRules(same_district=False, subject_match=False, grade_band_overlap=False, trained_only=False, min_experience_gap=0)
    assert ineligibility(m, person("e", years_experience=5), off) is None


def test_other_districts_are_allowed_for_the_virtual_fallback_only():
    m = person("m", "mentor", district="d2")
    assert ineligibility(m, person("e"), HARD, allow_other_district=True) is None
    assert ineligibility(m.model_copy(update={"trained": False}), person("e"), HARD, allow_other_district=True) == "trained_only"


def test_experience_gap_is_inclusive_and_zero_switches_it_off():
    hard = HardRules(min_experience_gap=3)
    assert ineligibility(person("m", "mentor", years_experience=4), person("e", years_experience=1), hard) is None
    zero = HardRules(min_experience_gap=0)
    assert ineligibility(person("m", "mentor", years_experience=0), person("e", years_experience=9), zero) is None


def test_breakdown_has_every_criterion_and_score_is_its_sum():
    b = breakdown(person("m", "mentor"), person("e"), Weights())
    assert tuple(b) == CRITERIA == tuple(Weights.model_fields)
    assert score(person("m", "mentor"), person("e"), Weights()) == pytest.approx(sum(b.values()))


def only(name: str, value: float = 1.0) -> Weights:
    return ONLY.model_copy(update={name: value})


def points(name: str, mentor: dict, mentee: dict, weight: float = 1.0) -> float:
    return breakdown(person("m", "mentor", **mentor), person("e", **mentee), only(name, weight))[name]


def test_shared_interests_is_the_share_of_the_mentees_problems_of_practice():
    assert points("shared_interests", {"expertise": frozenset("abc")}, {"expertise": frozenset("ad")}, 3) == 1.5
    assert points("shared_interests", {"expertise": frozenset("abc")}, {"expertise": frozenset()}) == 0
    assert points("shared_interests", {"expertise": frozenset("a")}, {"expertise": frozenset("abc")}) == 0.333333


def test_support_style_alignment():
    assert points("support_style", {"support_style": "directive"}, {"support_style": "directive"}, 2) == 2
    assert points("support_style", {"support_style": "directive"}, {"support_style": None}, 2) == 1
    assert points("support_style", {}, {}, 2) == 1
    assert points("support_style", {"support_style": "directive"}, {"support_style": "facilitative"}, 2) == 0


def test_availability_overlap_is_shared_time_over_the_smaller_total():
    mentor = {"availability": (slot("mon", (9, 0), (11, 0)),)}
    assert points("availability_overlap", mentor, {"availability": (slot("mon", (10, 0), (12, 0)),)}) == 0.5
    assert points("availability_overlap", mentor, {"availability": (slot("mon", (9, 30), (10, 0)),)}) == 1
    assert points("availability_overlap", mentor, {"availability": (slot("tue", (9, 0), (11, 0)),)}) == 0
    assert points("availability_overlap", mentor, {"availability": ()}) == 0


def test_overlapping_slots_of_one_person_count_once():
    mentor = {"availability": (slot("mon", (9, 0), (10, 0)), slot("mon", (9, 30), (10, 0)))}
    mentee = {"availability": (slot("mon", (9, 0), (10, 0)), slot("fri", (9, 0), (10, 0)))}
    assert points("availability_overlap", mentor, mentee) == 1  # 60 shared minutes / min(60, 120)


def test_same_school_can_be_preferred_or_avoided():
    assert points("same_school", {}, {}, 1) == 1
    assert points("same_school", {}, {}, -2) == -2
    assert points("same_school", {"school": "other"}, {}, -2) == 0


def test_experience_gap_points_grow_to_ten_years():
    assert points("experience_gap", {"years_experience": 5}, {"years_experience": 1}) == 0.4
    assert points("experience_gap", {"years_experience": 30}, {"years_experience": 1}) == 1
    assert points("experience_gap", {"years_experience": 0}, {"years_experience": 3}) == 0


def test_values_are_rounded_to_six_decimals():
    value = points("shared_interests", {"expertise": frozenset("a")}, {"expertise": frozenset("abc")}, 2)
    assert value == 0.666667
