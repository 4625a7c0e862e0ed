"""The matching benchmark runs, its reference agrees with the engine, and its synthetic data has the promised shape."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bench import matching, synthetic
from services.matching.cli import example_text
from services.matching.engine import solver
from services.matching.engine.model import HardRules, Pair, Problem, Role, Rules, Solution, Weights

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_runs_in_seconds_and_the_reference_agrees():
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bench.matching", "--quick", "--runs", "1"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert time.monotonic() - start < 30
    lines = result.stdout.splitlines()
    for case in matching.QUICK_SPEED:
        assert any(line.startswith(case.name) for line in lines), result.stdout
    for case in matching.QUICK_REFERENCE:
        row = next(line for line in lines if line.startswith(case.name) and line.rstrip().endswith(("OK", "MISMATCH")))
        assert row.rstrip().endswith("  OK"), result.stdout
    assert "MISMATCH" not in result.stdout


def test_reference_solves_the_example_exactly():
    total, matched, feasible = matching.reference(Problem.model_validate_json(example_text()))
    assert (total, matched, len(feasible)) == (14_800_000, 3, 6)


@pytest.mark.parametrize(
    "rules",
    [
        Rules(maximize_matched_first=False, weights=Weights(same_school=-2.0)),
        Rules(weights=Weights(same_school=-5.0, experience_gap=0.0)),
        Rules(hard=HardRules(subject_match=False, shared_language=True, min_experience_gap=0)),
        Rules(hard=HardRules(same_district=False, trained_only=False)),
    ],
    ids=["score-only", "negative-scores", "loose-subjects", "statewide"],
)
def test_engine_and_reference_agree_under_other_rules(rules):
    report = matching.compare(matching.Case("small", 150, 90, 6, seed=11), rules)
    assert not report["problems"], report
    assert report["solver_matched"] > 0


@pytest.mark.parametrize(
    ("damage", "complaint"),
    [("drop-a-pair", "objective/matched differ"), ("wrong-score", "scored"), ("over-capacity", "mentees, capacity")],
)
def test_the_comparison_catches_a_wrong_solver(monkeypatch, damage, complaint):
    real = solver.solve

    def broken(problem: Problem, *, alternatives: int = 3) -> Solution:
        good = real(problem, alternatives=alternatives)
        first, *rest = good.pairs
        if damage == "drop-a-pair":
            pairs = tuple(rest)
        elif damage == "wrong-score":
            pairs = (first.model_copy(update={"score": first.score + 0.5}), *rest)
        else:  # give the first pair's mentor one more mentee than its capacity allows
            capacity = next(p.capacity for p in problem.participants if p.id == first.mentor_id)
            taken = {p.mentee_id for p in good.pairs}
            spare = [p.id for p in problem.participants if p.role is Role.MENTEE and p.id not in taken]
            extra = [Pair(mentor_id=first.mentor_id, mentee_id=m, score=0.0, breakdown={}) for m in spare[: capacity + 1]]
            pairs = (*good.pairs, *extra)
        return good.model_copy(update={"pairs": pairs})

    monkeypatch.setattr(solver, "solve", broken)
    report = matching.compare(matching.Case("tiny", 60, 40, 3, seed=2))
    assert any(complaint in line for line in report["problems"]), report


def test_synthetic_data_is_deterministic_and_realistically_uneven():
    problem = synthetic.state(3000, 1600, districts=40, seed=5)
    assert problem == synthetic.state(3000, 1600, districts=40, seed=5)
    assert problem != synthetic.state(3000, 1600, districts=40, seed=6)
    mentors = [p for p in problem.participants if p.role is Role.MENTOR]
    mentees = [p for p in problem.participants if p.role is Role.MENTEE]
    assert (len(mentors), len(mentees)) == (1600, 3000)
    sizes = sorted(Counter(p.district for p in mentees).values())
    assert len(sizes) == 40 and sizes[-1] > 10 * statistics.median(sizes)  # a few large districts, many small
    assert {p.capacity for p in mentors} == {1, 2, 3} and {p.capacity for p in mentees} == {1}
    subjects_m = Counter(s for p in mentors for s in p.subjects)
    subjects_e = Counter(s for p in mentees for s in p.subjects)
    for scarce in synthetic.SCARCE_AMONG_MENTORS:  # far rarer among mentors than among mentees, relative to math
        assert subjects_m[scarce] / subjects_e[scarce] < 0.5 * subjects_m["math"] / subjects_e["math"]
    assert 0.75 < sum(p.trained for p in mentors) / len(mentors) < 0.95
    assert all(p.years_experience <= 3 for p in mentees) and all(p.years_experience >= 4 for p in mentors)
