"""At a size where the solver's shortcuts (first arcs, certificate rounds, block generation) all come into play, its
optimum equals a straightforward reference: dense ``linear_sum_assignment`` on a capacity-expanded matrix."""

import random
from datetime import time
from unittest.mock import patch

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from services.matching.engine import flow
from services.matching.engine.model import Problem, Profile, Role, Rules, Slot, Solution
from services.matching.engine.scoring import MICRO
from services.matching.engine.solver import solve
from tests.unit.matching.engine.brute import eligible, split


def problem(seed: int, mentees: int, mentors: int, **rules) -> Problem:
    rng = random.Random(seed)

    def one(pid: str, role: Role) -> Profile:
        mentor = role is Role.MENTOR
        day = rng.choice(["mon", "tue", "wed"])
        start = rng.randrange(8, 16)
        return Profile(
            id=pid,
            role=role,
            district=rng.choice(["a", "a", "a", "b", "c"]),
            school=rng.choice(["s1", "s2", "s3"]),
            subjects=frozenset(rng.sample(["math", "ela", "science", "art", "physics"], rng.randint(1, 2))),
            grade_bands=frozenset(rng.sample(["K-2", "3-5", "6-8", "9-12"], rng.randint(1, 2))),  # type: ignore[arg-type]
            years_experience=rng.randint(3, 30) if mentor else rng.randint(0, 3),
            expertise=frozenset(rng.sample("abcdefgh", rng.randint(0, 4))),
            support_style=rng.choice([None, "directive", "collaborative", "facilitative"]),  # type: ignore[arg-type]
            availability=(Slot(weekday=day, start=time(start), end=time(start + rng.randint(1, 2))),),  # type: ignore[arg-type]
            trained=rng.random() < 0.8,
            capacity=rng.choice([1, 1, 2, 3]) if mentor else 1,
        )

    people = [one(f"m{i:03d}", Role.MENTOR) for i in range(mentors)] + [one(f"e{i:03d}", Role.MENTEE) for i in range(mentees)]
    return Problem(participants=tuple(people), rules=Rules(**rules))


def reference(prob: Problem) -> tuple[int, int]:
    """(matched, total micro-points) of a dense assignment over mentor places plus one "unmatched" column per mentee."""
    mentors, mentees = split(prob)
    arcs = eligible(prob)
    places = [m for m in mentors for _ in range(m.capacity)]
    n = len(mentees)
    first = prob.rules.maximize_matched_first
    big = 2 * sum(max((abs(s) for (_, e), (s, _) in arcs.items() if e == x.id), default=0) for x in mentees) + 1
    weight = np.full((n, len(places) + n), -1e15)
    weight[:, len(places) :] = 0
    for row, e in enumerate(mentees):
        for col, m in enumerate(places):
            if (m.id, e.id) in arcs:
                s = arcs[(m.id, e.id)][0]
                if first:
                    weight[row, col] = s + big
                elif s >= 0:
                    weight[row, col] = s * (n + 1) + 1
    rows, cols = linear_sum_assignment(weight, maximize=True)
    used = [(r, c) for r, c in zip(rows, cols, strict=True) if c < len(places)]
    return len(used), sum(arcs[(places[c].id, mentees[r].id)][0] for r, c in used)


@pytest.mark.parametrize("first_arcs", [2, flow.FIRST_ARCS])  # 2: the certificate must add arcs over several rounds
@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_solver_matches_a_dense_reference(seed: int, first: bool, first_arcs: int):
    prob = problem(seed, mentees=160, mentors=90, maximize_matched_first=first)
    with patch.object(flow, "FIRST_ARCS", first_arcs):
        solution = solve(prob)
    assert any(p.virtual for p in solution.pairs)
    assert (len(solution.pairs), round(solution.objective * MICRO)) == reference(prob)
    assert Solution.model_validate_json(solution.model_dump_json()) == solution
