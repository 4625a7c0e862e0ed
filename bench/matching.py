"""How fast and how optimal the matching engine is, on realistic synthetic data (``bench.synthetic``).

Run: ``.venv/bin/python -m bench.matching [--runs 5] [--quick]``.

1. Speed: ``engine.solver.solve`` on one district (3,000 mentees × 3,000 mentors) and on a state (15,000 × 8,000 in
   150 districts of very different sizes; scarce subjects go to cross-district virtual mentors). Wall time is the
   median of ``--runs`` solves; peak memory is the peak resident set size of the process (``ru_maxrss``), which also
   holds Python, the libraries and the problem itself — shown as "before solving" next to it. Every case runs in
   its own subprocess so that cases do not pollute each other's memory figures.
2. Optimality: side by side with a straightforward reference on the sizes it can handle — every pair checked with
   ``engine.scoring`` one by one (``services.matching.feasible``, the same code as ``--scores``), a dense
   capacity-expanded matrix (a column per unit of mentor capacity, one "unmatched" column per mentee, infeasible
   pairs = +inf) and scipy's ``linear_sum_assignment``. Scores are compared in integer micro-points (the engine's
   exact unit), with the engine's objective: the most mentees matched first, then the highest total score. The
   solver's pairs are also checked: every pair allowed by the hard rules, scored as ``scoring.breakdown`` says,
   capacities respected. Prints OK or MISMATCH per case; exits 1 on any MISMATCH. ``--reference-state`` adds the
   whole state (the dense matrix is ~11,000 × 24,000: about a minute and 4 GiB).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

MICRO = 1_000_000
MIB = 1 << 20


@dataclass(frozen=True)
class Case:
    name: str
    mentees: int
    mentors: int
    districts: int
    target_s: float | None = None
    target_mib: float | None = None
    seed: int = 1


SPEED = (
    Case("district 3,000 × 3,000", 3000, 3000, 1, target_s=0.5),
    Case("state 15,000 × 8,000, 150 districts", 15000, 8000, 150, target_s=5.0, target_mib=2048),
)
REFERENCE = (
    Case("district 1,000 × 1,000", 1000, 1000, 1),
    Case("region 2,000 × 1,100, 25 districts", 2000, 1100, 25),
    Case("district 3,000 × 3,000", 3000, 3000, 1),
)
STATE_REFERENCE = Case("state 15,000 × 8,000, 150 districts", 15000, 8000, 150)  # ~1 min and ~4 GiB: opt-in
QUICK_SPEED = (Case("district 300 × 300", 300, 300, 1), Case("state 1,500 × 800, 30 districts", 1500, 800, 30))
QUICK_REFERENCE = (Case("district 200 × 200", 200, 200, 1), Case("region 400 × 220, 10 districts", 400, 220, 10, seed=3))


def _problem(case: Case, rules: Any = None) -> Any:
    from bench import synthetic

    return synthetic.generate(case.mentees, case.mentors, districts=case.districts, seed=case.seed, rules=rules)


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def speed(case: Case, runs: int) -> dict[str, Any]:
    """Solve ``runs`` times in this process; wall times and peak RSS."""
    from services.matching.engine.solver import solve

    problem = _problem(case)
    before = _rss_mib()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        solution = solve(problem)
        times.append(time.perf_counter() - start)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "before_mib": before,
        "peak_mib": _rss_mib(),
        "objective": solution.objective,
        "matched": len(solution.pairs),
        "virtual": sum(p.virtual for p in solution.pairs),
        "unmatched": len(solution.unmatched),
    }


def reference(problem: Any) -> tuple[int, int, dict[tuple[str, str], tuple[int, dict[str, float], bool]]]:
    """(objective in micro-points, matched, every feasible pair) by dense ``linear_sum_assignment`` (one_to_one mode).

    Lexicographic objective in one matrix: a feasible pair is worth BIG + score, BIG being more than any total score
    difference, so one more match always wins; with ``maximize_matched_first`` off it is score × K + 1 instead
    (negative pairs left out), which is the engine's rule: the best total, then the most matches.
    """
    from services.matching.engine.model import Mode
    from services.matching.feasible import feasible_pairs

    rules = problem.rules
    if rules.mode is not Mode.ONE_TO_ONE:
        raise ValueError("the reference solves one_to_one problems")
    feasible: dict[tuple[str, str], tuple[int, dict[str, float], bool]] = {}
    for pair in feasible_pairs(problem):
        feasible[(pair.mentor.id, pair.mentee.id)] = (pair.micro, pair.breakdown, pair.virtual)
    capacity = {p.id: p.capacity for p in problem.participants}
    rows = sorted({e for _, e in feasible})
    mentors = sorted({m for m, _ in feasible})
    row = {e: i for i, e in enumerate(rows)}
    width = {m: min(capacity[m], len(rows)) for m in mentors}
    first = dict(zip(mentors, np.cumsum([0, *width.values()])[:-1].tolist(), strict=True))
    slots = sum(width.values())
    scores = np.array([s for s, _, _ in feasible.values()], dtype=np.float64)
    spread = float(scores.max() - min(scores.min(), 0)) if len(scores) else 0.0
    if rules.maximize_matched_first:
        value, keep = (spread + 1) * (len(rows) + 1) + scores, np.ones(len(scores), dtype=np.bool_)
    else:
        value, keep = scores * (len(rows) + 1) + 1, scores >= 0
    cost = np.full((len(rows), slots + len(rows)), np.inf)
    cost[:, slots:] = 0.0  # staying unmatched
    for (m, e), v, k in zip(feasible, value.tolist(), keep.tolist(), strict=True):
        if k:
            cost[row[e], first[m] : first[m] + width[m]] = -v
    r, c = linear_sum_assignment(cost)
    chosen = c < slots
    column_mentor = np.repeat(np.array(mentors, dtype=object), list(width.values()))
    total = sum(feasible[(column_mentor[j], rows[i])][0] for i, j in zip(r[chosen], c[chosen], strict=True))
    return total, int(chosen.sum()), feasible


def compare(case: Case, rules: Any = None) -> dict[str, Any]:
    """The engine and the reference on the same problem (default rules unless given); objective, matched, times, checks."""
    from services.matching.engine.solver import solve

    problem = _problem(case, rules)
    start = time.perf_counter()
    solution = solve(problem, alternatives=0)
    solver_s = time.perf_counter() - start
    start = time.perf_counter()
    ref_total, ref_matched, feasible = reference(problem)
    reference_s = time.perf_counter() - start
    problems = []
    for p in solution.pairs:
        known = feasible.get((p.mentor_id, p.mentee_id))
        if known is None:
            problems.append(f"{p.mentor_id}->{p.mentee_id} breaks a hard rule")
        elif (round(p.score * MICRO), p.breakdown, p.virtual) != known:
            problems.append(f"{p.mentor_id}->{p.mentee_id} scored {p.score} {p.breakdown} virtual={p.virtual}, expected {known}")
    capacity = {p.id: p.capacity for p in problem.participants}
    load = Counter(p.mentor_id for p in solution.pairs)
    problems += [f"{m} has {n} mentees, capacity {capacity[m]}" for m, n in sorted(load.items()) if n > capacity[m]]
    problems += [f"{e} matched {n} times" for e, n in Counter(p.mentee_id for p in solution.pairs).items() if n > 1]
    solver_total = sum(round(p.score * MICRO) for p in solution.pairs)
    if (solver_total, len(solution.pairs)) != (ref_total, ref_matched):
        problems.append(
            f"objective/matched differ: solver {solver_total}/{len(solution.pairs)}, reference {ref_total}/{ref_matched}"
        )
    return {
        "solver_objective": solver_total / MICRO,
        "reference_objective": ref_total / MICRO,
        "solver_matched": len(solution.pairs),
        "reference_matched": ref_matched,
        "feasible_pairs": len(feasible),
        "solver_s": solver_s,
        "reference_s": reference_s,
        "problems": problems[:5],
    }


def _in_subprocess(kind: str, case: Case, runs: int) -> dict[str, Any]:
    spec = json.dumps({"kind": kind, "case": asdict(case), "runs": runs})
    done = subprocess.run([sys.executable, "-m", "bench.matching", "--worker", spec], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{kind} {case.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _target(value: float, target: float | None, unit: str) -> str:
    if target is None:
        return "-"
    return f"≤ {target:g} {unit} {'met' if value <= target else 'MISSED'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="solves per speed case (the median is shown)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument(
        "--reference-state", action="store_true", help="also run the reference on the whole state (~1 min, ~4 GiB)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        case = Case(**spec["case"])
        print(json.dumps(speed(case, spec["runs"]) if spec["kind"] == "speed" else compare(case)))
        return
    ortools = importlib.metadata.version("ortools")
    print(f"matching benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()}, OR-tools {ortools}")
    print(f"speed: median of {args.runs} solves, each case in its own process; peak RSS = whole process")
    print(f"{'case':<38} {'median s':>9} {'(min-max)':>15} {'target':>17} {'peak MiB':>9} {'before':>7} {'target':>19}"
          f" {'objective':>12} {'matched':>8} {'virtual':>7} {'unmatched':>9}")  # fmt: skip
    for case in QUICK_SPEED if args.quick else SPEED:
        r = _in_subprocess("speed", case, args.runs)
        spread = f"({r['min_s']:.3f}-{r['max_s']:.3f})"
        print(
            f"{case.name:<38} {r['median_s']:>9.3f} {spread:>15}"
            f" {_target(r['median_s'], case.target_s, 's'):>17} {r['peak_mib']:>9.0f} {r['before_mib']:>7.0f}"
            f" {_target(r['peak_mib'], case.target_mib, 'MiB'):>19} {r['objective']:>12.3f} {r['matched']:>8}"
            f" {r['virtual']:>7} {r['unmatched']:>9}"
        )
    print("\noptimality: engine vs dense scipy linear_sum_assignment on the capacity-expanded matrix (same rules, same scores)")
    print(f"{'case':<38} {'feasible pairs':>14} {'engine obj':>12} {'reference obj':>13} {'matched':>15}"
          f" {'engine s':>9} {'reference s':>11}  result")  # fmt: skip
    failed = False
    cases = QUICK_REFERENCE if args.quick else REFERENCE + ((STATE_REFERENCE,) if args.reference_state else ())
    for case in cases:
        r = _in_subprocess("compare", case, 1)
        ok = not r["problems"]
        failed |= not ok
        matched = f"{r['solver_matched']} / {r['reference_matched']}"
        print(
            f"{case.name:<38} {r['feasible_pairs']:>14} {r['solver_objective']:>12.6f} {r['reference_objective']:>13.6f}"
            f" {matched:>15} {r['solver_s']:>9.3f} {r['reference_s']:>11.3f}"
            f"  {'OK' if ok else 'MISMATCH'}"
        )
        for line in r["problems"]:
            print(f"    {line}")
    if not args.quick and not args.reference_state:
        print("(--reference-state also compares the whole state: about a minute and 4 GiB more)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
