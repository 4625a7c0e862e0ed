"""The offline CLI: a problem file in, a result (and optionally every feasible pair) out; bad files get exact errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bench import synthetic
from services.matching.cli import cli, example_text
from services.matching.engine.model import HardRules, Mode, Problem, Profile, Role, Rules, Solution, Weights
from services.matching.engine.scoring import breakdown, ineligibility
from services.matching.engine.solver import solve

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def run(*args: str | Path) -> Any:
    return runner.invoke(cli, [str(a) for a in args])


def brute_force(problem: Problem) -> dict[tuple[str, str], tuple[dict[str, float], bool]]:
    """Every allowed (mentor, mentee) pair straight from the rules: a double loop over everyone, no index."""
    hard, weights = problem.rules.hard, problem.rules.weights
    mentors = [p for p in problem.participants if p.role is Role.MENTOR]
    out = {}
    for mentee in (p for p in problem.participants if p.role is Role.MENTEE):
        found = {m.id: (m, False) for m in mentors if ineligibility(m, mentee, hard) is None}
        if not found and hard.same_district and hard.virtual_fallback:
            found = {
                m.id: (m, True)
                for m in mentors
                if m.district != mentee.district and ineligibility(m, mentee, hard, allow_other_district=True) is None
            }
        out |= {(mid, mentee.id): (breakdown(m, mentee, weights), virtual) for mid, (m, virtual) in found.items()}
    return out


def brute_force_peers(problem: Problem) -> dict[frozenset[str], bool]:
    """Every allowed peer pair {a, b} (either may lead) -> virtual, from a double loop over the pool."""
    hard = problem.rules.hard
    pool = [p for p in problem.participants if p.role is Role.PEER]

    def ok(a: Profile, b: Profile, cross: bool) -> bool:
        return any(ineligibility(x, y, hard, allow_other_district=cross) is None for x, y in ((a, b), (b, a)))

    local = {frozenset((a.id, b.id)) for a in pool for b in pool if a.id < b.id and ok(a, b, False)}
    paired = {i for pair in local for i in pair}
    cross = {
        frozenset((a.id, b.id))
        for a in pool
        for b in pool
        if a.id < b.id and a.district != b.district and not {a.id, b.id} <= paired and ok(a, b, True)
    }
    return {pair: False for pair in local} | {pair: True for pair in cross}


def solve_with_scores(tmp_path: Path, problem_text: str) -> tuple[Solution, list[dict[str, Any]]]:
    (tmp_path / "problem.json").write_text(problem_text)
    result = run(
        "solve", "--input", tmp_path / "problem.json", "--output", tmp_path / "result.json", "--scores", tmp_path / "s.jsonl"
    )
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "s.jsonl").read_text().splitlines()
    return Solution.model_validate_json((tmp_path / "result.json").read_text()), [json.loads(line) for line in lines]


def test_example_round_trip_gives_the_engines_solution_and_every_feasible_pair(tmp_path):
    printed = run("example")
    assert printed.exit_code == 0
    problem = Problem.model_validate_json(printed.stdout)
    solution, rows = solve_with_scores(tmp_path, printed.stdout)

    assert solution == solve(problem)
    assert {(p.mentor_id, p.mentee_id, p.virtual) for p in solution.pairs} == {
        ("ana", "eli", False), ("ben", "fay", False), ("dee", "gus", True),
    }  # fmt: skip
    assert {u.mentee_id: u.reason for u in solution.unmatched} == {
        "hal": "no eligible mentor: subject_match",
        "ivy": "capacity exhausted",
    }
    expected = brute_force(problem)
    assert {(r["mentor_id"], r["mentee_id"]): (r["breakdown"], r["virtual"]) for r in rows} == expected
    assert len(rows) == len(expected) == 6  # fay-ana is excluded, cai is untrained, dee is only a fallback for gus
    for r in rows:
        assert r["score"] == round(sum(r["breakdown"].values()), 6)
        assert list(r["breakdown"]) == list(Weights.model_fields)
    assert [(r["mentee_id"], r["score"]) for r in rows] == sorted(
        ((r["mentee_id"], r["score"]) for r in rows), key=lambda x: (x[0], -x[1])
    )
    by_pair = {(r["mentor_id"], r["mentee_id"]): r for r in rows}
    for pair in solution.pairs:
        assert (by_pair[(pair.mentor_id, pair.mentee_id)]["score"], by_pair[(pair.mentor_id, pair.mentee_id)]["breakdown"]) == (
            pair.score,
            pair.breakdown,
        )


@pytest.mark.parametrize(
    "hard",
    [
        HardRules(),
        HardRules(subject_match=False, min_experience_gap=0),
        HardRules(same_district=False),
        HardRules(virtual_fallback=False),
    ],
    ids=["defaults", "no-subject-rule", "any-district", "no-fallback"],
)
def test_scores_agree_with_the_rules_and_the_solver_on_a_synthetic_state(tmp_path, hard):
    generated = synthetic.generate(60, 35, districts=5, seed=4)
    problem = generated.model_copy(update={"rules": Rules(hard=hard)})
    solution, rows = solve_with_scores(tmp_path, problem.model_dump_json())

    assert {(r["mentor_id"], r["mentee_id"]): (r["breakdown"], r["virtual"]) for r in rows} == brute_force(problem)
    assert (solution.pairs_considered, solution.proven_optimal) == (len(rows), True)
    by_pair = {(r["mentor_id"], r["mentee_id"]): r for r in rows}
    for pair in solution.pairs:
        row = by_pair[(pair.mentor_id, pair.mentee_id)]
        assert (row["score"], row["breakdown"], row["virtual"]) == (pair.score, pair.breakdown, pair.virtual)


def test_peer_scores_list_each_pair_once_in_the_orientation_the_solver_uses(tmp_path):
    people = synthetic.generate(14, 10, districts=2, seed=9).participants
    peers = tuple(p.model_copy(update={"role": Role.PEER}) for p in people)
    problem = Problem(participants=peers, rules=Rules(mode=Mode.PEER, hard=HardRules(min_experience_gap=0, trained_only=False)))
    solution, rows = solve_with_scores(tmp_path, problem.model_dump_json())

    keys = [tuple(sorted((r["mentor_id"], r["mentee_id"]))) for r in rows]
    assert keys == sorted(set(keys)) and len(keys) == solution.pairs_considered
    assert {frozenset(k): r["virtual"] for k, r in zip(keys, rows, strict=True)} == brute_force_peers(problem)
    assert {r["virtual"] for r in rows} == {True, False}
    by_id: dict[str, Profile] = {p.id: p for p in peers}
    for r in rows:
        mentor, mentee = by_id[r["mentor_id"]], by_id[r["mentee_id"]]
        assert ineligibility(mentor, mentee, problem.rules.hard, allow_other_district=r["virtual"]) is None
        reverse = breakdown(mentee, mentor, problem.rules.weights)
        if ineligibility(mentee, mentor, problem.rules.hard, allow_other_district=r["virtual"]) is None:
            assert round(sum(reverse.values()), 6) <= r["score"]  # the best orientation is the one listed
    by_pair = {tuple(sorted((r["mentor_id"], r["mentee_id"]))): r for r in rows}
    for pair in solution.pairs:
        row = by_pair[tuple(sorted((pair.mentor_id, pair.mentee_id)))]
        assert (row["mentor_id"], row["score"], row["breakdown"]) == (pair.mentor_id, pair.score, pair.breakdown)


def test_output_dash_writes_the_result_to_standard_output(tmp_path):
    (tmp_path / "problem.json").write_text(example_text())
    result = run("solve", "-i", tmp_path / "problem.json", "-o", "-", "--alternatives", "0")
    assert result.exit_code == 0, result.output
    solution = Solution.model_validate_json(result.stdout)
    assert solution.objective == 14.8 and all(not alts for alts in solution.alternatives.values())
    assert "3 pairs, 2 unmatched, objective 14.8" in result.stderr


def test_the_documented_example_and_its_result_are_what_the_cli_prints_and_solves():
    doc = (ROOT / "docs" / "matching-problem-format.md").read_text()
    assert example_text() in doc
    documented = json.loads(doc.split("<!-- example-result -->\n```json\n")[1].split("```")[0])
    assert documented == json.loads(solve(Problem.model_validate_json(example_text())).model_dump_json())


def edit(change: Any) -> str:
    data = json.loads(example_text())
    change(data)
    return json.dumps(data, indent=2)


def many_bad_bands(data: dict[str, Any]) -> None:
    for p in data["participants"]:
        p["grade_bands"] = ["K-12", "13"]
    data["participants"] += [dict(data["participants"][0], id=f"x{i}") for i in range(3)]


BAD_INPUTS = {
    "wrong-value": (
        lambda d: d["participants"][3]["grade_bands"].__setitem__(0, "K-12"),
        "is not a valid problem (1 error):\n  participants[3].grade_bands[0]: Input should be 'K-2', '3-5', '6-8' or '9-12'\n",
    ),
    "unknown-field": (
        lambda d: d["participants"][1].update(colour="red"),
        "is not a valid problem (1 error):\n  participants[1].colour: Extra inputs are not permitted\n",
    ),
    "missing-field": (
        lambda d: d["participants"][0].pop("district"),
        "is not a valid problem (1 error):\n  participants[0].district: Field required\n",
    ),
    "duplicate-ids": (
        lambda d: d["participants"][2].update(id="ana"),
        "is not a valid problem (1 error):\n  (top level): participant ids must be unique; repeated: ana\n",
    ),
    "group-bounds": (
        lambda d: d["rules"].update(group_min=6, group_max=3),
        "is not a valid problem (1 error):\n  rules: group_min must not exceed group_max\n",
    ),
    "slot-order": (
        lambda d: d["participants"][0]["availability"][1].update(end="15:00"),
        "is not a valid problem (1 error):\n  participants[0].availability[1]: end must be after start\n",
    ),
    "several": (
        lambda d: (d["rules"]["hard"].update(min_experience_gap=-1), d["rules"]["weights"].update(same_school="high")),
        "is not a valid problem (2 errors):\n  rules.hard.min_experience_gap: Input should be greater than or equal to 0\n"
        "  rules.weights.same_school: Input should be a valid number, unable to parse string as a number\n",
    ),
    "many": (many_bad_bands, "is not a valid problem (24 errors):\n" + "  participants[0].grade_bands[0]: Input should be"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_a_bad_problem_names_each_error_by_json_path_exits_2_and_writes_nothing(tmp_path, name):
    change, message = BAD_INPUTS[name]
    source = tmp_path / "problem.json"
    source.write_text(edit(change))
    result = run("solve", "--input", source, "--output", tmp_path / "result.json", "--scores", tmp_path / "scores.jsonl")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {source} " + message)
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problem.json"]


def test_errors_beyond_twenty_are_counted_not_listed(tmp_path):
    (tmp_path / "p.json").write_text(edit(many_bad_bands))
    lines = run("solve", "-i", tmp_path / "p.json", "-o", tmp_path / "r.json").stderr.splitlines()
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "  ... and 4 more"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"participants": [\n  {"id": "a",}\n]}',
            "is not valid JSON: Expecting property name enclosed in double quotes at line 2 column 14",
        ),
        ('{"participants": []}\n{"participants": []}', "is not valid JSON: Extra data at line 2 column 1"),
        ("", "is not valid JSON: Expecting value at line 1 column 1"),
        ('{"participants": [], "rules": {"weights": {"same_school": NaN}}}', "is not valid JSON: NaN is not a JSON number"),
        ("[]", "is not a valid problem (1 error):\n  (top level): Input should be a valid dictionary or instance of Problem"),
    ],
    ids=["syntax", "two-documents", "empty", "nan", "not-an-object"],
)
def test_a_file_that_is_not_a_problem_document_says_so_with_the_position(tmp_path, text, message):
    source = tmp_path / "problem.json"
    source.write_text(text)
    result = run("solve", "--input", source, "--output", tmp_path / "result.json")
    assert (result.exit_code, result.stderr.strip()) == (2, f"error: {source} {message}")
    assert not (tmp_path / "result.json").exists()


def test_unreadable_input_and_missing_output_folder_exit_2_before_solving(tmp_path):
    missing = run("solve", "--input", tmp_path / "nope.json", "--output", tmp_path / "r.json")
    assert (missing.exit_code, missing.stderr) == (2, f"error: cannot read {tmp_path / 'nope.json'}: No such file or directory\n")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe{}")
    binary = run("solve", "--input", tmp_path / "binary.json", "--output", tmp_path / "r.json")
    assert (binary.exit_code, binary.stderr) == (2, f"error: {tmp_path / 'binary.json'} is not UTF-8 text\n")
    (tmp_path / "p.json").write_text(example_text())
    nowhere = run("solve", "--input", tmp_path / "p.json", "--output", tmp_path / "no" / "r.json")
    assert (nowhere.exit_code, nowhere.stderr) == (
        2,
        f"error: cannot write {tmp_path / 'no' / 'r.json'}: folder {tmp_path / 'no'} does not exist\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["binary.json", "p.json"]


def test_help_describes_the_format():
    text = run("--help").stdout
    for word in ("participants", "grade_bands", "virtual_fallback", "group_min", "unmatched", "--scores", "exit code 2"):
        assert word in text
    for word in ("proven_optimal", "pairs_considered", "--work-limit"):
        assert word in text


def test_a_work_limit_too_small_to_prove_the_optimum_is_reported_and_must_be_positive(tmp_path):
    people = synthetic.generate(14, 10, districts=2, seed=9).participants
    peers = tuple(p.model_copy(update={"role": Role.PEER}) for p in people)
    problem = Problem(participants=peers, rules=Rules(mode=Mode.PEER, hard=HardRules(min_experience_gap=0, trained_only=False)))
    (tmp_path / "p.json").write_text(problem.model_dump_json())
    cut = run("solve", "-i", tmp_path / "p.json", "-o", tmp_path / "r.json", "--work-limit", "1e-9")
    assert cut.exit_code == 0, cut.output
    assert "(work limit reached: best found, not proven optimal)" in cut.stderr
    assert Solution.model_validate_json((tmp_path / "r.json").read_text()) == solve(problem, work_limit=1e-9)
    assert not solve(problem, work_limit=1e-9).proven_optimal and solve(problem).proven_optimal
    zero = run("solve", "-i", tmp_path / "p.json", "-o", tmp_path / "z.json", "--work-limit", "0")
    assert zero.exit_code == 2 and "must be above 0" in zero.stderr and not (tmp_path / "z.json").exists()
