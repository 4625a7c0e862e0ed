"""A program's policy: the engine's matching rules plus how the program's workflow runs.

Both are stored on the program and edited by its coordinator over HTTP (``PUT /programs/{id}/rules`` and
``/settings``). The defaults follow the research the platform is built on: a trained mentor, in the same district
(virtual mentoring across districts only when no local mentor fits), teaching the same subject and grade band,
at least three years more experienced; interests, support style and availability decide among those.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from pydantic import Field

from shared.contracts.matching import ProgramModel, Role
from shared.roster import ParsedRoster, RowError
from shared.storage.mongo import Document

from .engine.model import Frozen, Mode, Rules


class Selection(StrEnum):
    COORDINATOR = "coordinator"  # match runs propose pairs; the coordinator edits, approves or rejects
    SELF_DIRECTED = "self_directed"  # a mentee sees top-k suggestions and requests one; the mentor accepts or declines


class ProgramSettings(Frozen):
    """How a program's workflow runs (the matching rules are ``Rules``)."""

    selection: Selection = Selection.COORDINATOR
    suggestions: int = Field(default=5, ge=1, le=20, description="self-directed: how many mentors a mentee is shown")
    match_late_enrolees: bool = Field(
        default=True, description="a roster import adding mentees to a running program queues a run for them"
    )
    rematch_on_early_end: bool = Field(
        default=True, description="a relationship ending early (not because the mentee left) queues a rematch"
    )
    induction_days: int = Field(default=30, ge=1, le=365, description="a mentee unmatched this long is flagged")


class ProgramPolicy(Frozen):
    """What ``POST /programs`` may set besides name and district; everything has a default."""

    rules: Rules = Rules()
    settings: ProgramSettings = ProgramSettings()


MODES = {ProgramModel.ONE_TO_ONE: Mode.ONE_TO_ONE, ProgramModel.GROUP: Mode.GROUP, ProgramModel.PEER: Mode.PEER}


class PolicyError(ValueError):
    """Rules that do not fit the program; ``field`` names the offending field (``mode``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"rules.{field}: {message}")
        self.field = field
        self.message = message
        self.loc: tuple[str, ...] = ()  # where the rules sit in the request body


def rules_for(model: ProgramModel, rules: Rules | None) -> Rules:
    """``rules`` (default: the defaults) with the program's mode; rules naming another mode are refused."""
    if rules is None or "mode" not in rules.model_fields_set:
        return (rules or Rules()).model_copy(update={"mode": MODES[model]})
    if rules.mode is not MODES[model]:
        raise PolicyError("mode", f"must be '{MODES[model].value}', the program's model (or left out)")
    return rules


def program_rules(program: Document) -> Rules:
    """A stored program's rules (the defaults for its model when none were set)."""
    return rules_for(ProgramModel(program["model"]), Rules.model_validate(program["rules"]) if program.get("rules") else None)


def program_settings(program: Document) -> ProgramSettings:
    return ProgramSettings.model_validate(program.get("settings") or {})


def fit_roster(model: ProgramModel, roster: ParsedRoster) -> ParsedRoster:
    """Rows whose role the program cannot take become row errors: peer programs take peers, the others not."""
    wanted = {Role.PEER} if model is ProgramModel.PEER else {Role.MENTOR, Role.MENTEE}
    misfits = [row for row in roster.rows if row.role not in wanted]
    if not misfits:
        return roster
    allowed = " or ".join(sorted(r.value for r in wanted))
    errors = [
        RowError(roster.lines.get(row.external_id, 0), "role", f"a {model.value} program takes {allowed}", roster.file)
        for row in misfits
    ]
    rows = [row for row in roster.rows if row.role in wanted]
    return dataclasses.replace(roster, rows=rows, errors=sorted([*roster.errors, *errors], key=lambda e: e.row))
