"""``python -m services.matching.cli``: the matching engine offline — a problem file in, a result file out.

The formats are documented in docs/matching-problem-format.md; ``example`` prints a small valid problem.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from services.matching.engine import cpsat
from services.matching.engine.model import Problem
from services.matching.engine.solver import solve as solve_problem
from services.matching.feasible import score_rows

FORMAT = (  # one paragraph per item; the help output re-wraps them to the terminal
    "The matching engine, offline: `solve` a problem file, or print an `example` one.",
    'problem.json = {"participants": [PROFILE, ...], "rules": RULES}.',
    "PROFILE: id, role (mentor | mentee | peer), district, school, subjects [...], grade_bands [K-2 | 3-5 | 6-8 | 9-12],"
    " years_experience; optional: credentials, expertise, support_style (directive | collaborative | facilitative),"
    ' languages (default ["en"]), availability [{"weekday": "tue", "start": "15:30", "end": "16:30"}], trained,'
    " capacity (default 1), exclusions [ids].",
    "RULES (every field optional): mode (one_to_one | group | peer), hard {same_district, virtual_fallback,"
    " subject_match, grade_band_overlap, trained_only, min_experience_gap, shared_language}, weights {shared_interests,"
    " support_style, availability_overlap, same_school, experience_gap}, maximize_matched_first, group_min, group_max.",
    'result.json = {"pairs": [{mentor_id, mentee_id, score, breakdown, virtual}], "unmatched": [{mentee_id, reason}],'
    ' "objective": total score, "alternatives": {mentee_id: [{mentor_id, score}]}, "proven_optimal": false only when'
    " CP-SAT (group minimums, peer mode) stopped at --work-limit with the best feasible answer found,"
    ' "pairs_considered": eligible pairs scored (virtual ones included; peer mode: unordered pairs)}.'
    " --scores file: one JSON object a line per feasible pair: {mentee_id, mentor_id, score, virtual, breakdown}.",
    "Bad input: exit code 2, every error named by its JSON path, nothing written."
    " Full description: docs/matching-problem-format.md.",
)
MAX_ERRORS_SHOWN = 20
EXAMPLE = Path(__file__).with_name("example_problem.json")

cli = typer.Typer(add_completion=False, no_args_is_help=True, help=escape("\n\n".join(FORMAT)))


class InputError(Exception):
    """The problem file cannot be used; the message says where and why."""


def _positive(value: float) -> float:
    if not value > 0:
        raise typer.BadParameter("must be above 0")
    return value


@cli.command()
def solve(
    input_file: Annotated[Path, typer.Option("--input", "-i", help="The problem JSON file ('-' reads standard input).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the result JSON ('-' for standard output).")],
    scores: Annotated[
        Path | None, typer.Option(help="Also write every feasible pair with its score and breakdown, one JSON object a line.")
    ] = None,
    alternatives: Annotated[int, typer.Option(min=0, max=20, help="Next-best mentors listed per matched mentee.")] = 3,
    work_limit: Annotated[
        float,
        typer.Option(
            callback=_positive,
            help="CP-SAT's deterministic work limit (about seconds of one core) for group minimums and peer mode;"
            " past it the best answer found is written with proven_optimal false.",
        ),
    ] = cpsat.WORK_LIMIT,
) -> None:
    """Solve a problem file; write the assignments, breakdowns, objective, unmatched reasons and alternatives."""
    try:
        problem = load_problem(input_file)
        for target in (output, scores):
            if target is not None and str(target) != "-" and not target.parent.is_dir():
                raise InputError(f"cannot write {target}: folder {target.parent} does not exist")
    except InputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    solution = solve_problem(problem, alternatives=alternatives, work_limit=work_limit)
    if scores is not None:
        _write(scores, (json.dumps(row, separators=(",", ":")) + "\n" for row in score_rows(problem)))
    _write(output, [solution.model_dump_json(indent=2) + "\n"])
    where = "" if str(output) == "-" else f" -> {output}"
    caveat = "" if solution.proven_optimal else " (work limit reached: best found, not proven optimal)"
    typer.echo(
        f"{len(solution.pairs)} pairs, {len(solution.unmatched)} unmatched, objective {solution.objective}{caveat}{where}",
        err=True,
    )


@cli.command()
def example() -> None:
    """Print a small valid problem (two districts, a scarce subject, an exclusion, an untrained mentor) to start from."""
    typer.echo(example_text(), nl=False)


def load_problem(path: Path) -> Problem:
    """Read and validate a problem file; ``InputError`` names the JSON path and the reason of every error."""
    name = "standard input" if str(path) == "-" else str(path)
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name} is not UTF-8 text") from None
    except OSError as error:
        raise InputError(f"cannot read {name}: {error.strerror}") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise InputError(f"{name} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except _NotJSONError as error:
        raise InputError(f"{name} is not valid JSON: {error}") from None
    try:
        return Problem.model_validate(data)
    except ValidationError as error:
        lines = [f"  {json_path(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()]
        more = [f"  ... and {len(lines) - MAX_ERRORS_SHOWN} more"] if len(lines) > MAX_ERRORS_SHOWN else []
        head = f"{name} is not a valid problem ({len(lines)} error{'s' if len(lines) > 1 else ''}):"
        raise InputError("\n".join([head, *lines[:MAX_ERRORS_SHOWN], *more])) from None


def json_path(loc: Iterable[int | str]) -> str:
    """('participants', 3, 'grade_bands', 0) -> 'participants[3].grade_bands[0]'; the document itself is '(top level)'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "(top level)"


class _NotJSONError(ValueError):
    pass


def _no_constant(name: str) -> float:
    """Python's json module accepts NaN and Infinity; JSON does not (a NaN weight would only get a puzzling range error)."""
    raise _NotJSONError(f"{name} is not a JSON number")


def _write(target: Path, chunks: Iterable[str]) -> None:
    """Write all chunks to ``target`` atomically (a temporary file renamed over it), or to standard output for '-'."""
    if str(target) == "-":
        sys.stdout.writelines(chunks)
        return
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")  # same folder, so the rename is atomic
    try:
        with tmp.open("w", encoding="utf-8") as out:
            out.writelines(chunks)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def example_text() -> str:
    """The example problem file: four mentors and five mentees in two districts (see docs/matching-problem-format.md)."""
    return EXAMPLE.read_text(encoding="utf-8")


if __name__ == "__main__":
    cli()
