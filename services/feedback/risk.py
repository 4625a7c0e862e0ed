"""When a relationship is at risk. Pure: no I/O.

- **Two missed meetings in a row**: the relationship's meetings that have an outcome (completed or missed), ordered
  by start, contain a run of at least two missed ones. One warning per run, named by the run's first meeting, so a
  third miss in the same run warns no more, and a new run after a completed meeting warns again.
- **Low pulse**: a meeting-pulse answer whose overall rating is 2 or lower; one warning per answered survey.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from shared.contracts.envelope import derived_id
from shared.contracts.feedback import AtRiskReason, SurveyTemplate

LOW_PULSE_AT_MOST: Final = 2
RUN_LENGTH: Final = 2


@dataclass(frozen=True)
class Outcome:
    """A meeting that took place or was missed, with its (latest) start."""

    meeting_id: str
    starts_at: datetime
    missed: bool


def missed_runs(outcomes: Iterable[Outcome], length: int = RUN_LENGTH) -> list[str]:
    """The first meeting id of every run of at least ``length`` consecutive missed meetings (by start, then id)."""
    runs: list[str] = []
    first, count = "", 0
    for outcome in sorted(outcomes, key=lambda o: (o.starts_at, o.meeting_id)):
        if not outcome.missed:
            count = 0
            continue
        if count == 0:
            first = outcome.meeting_id
        count += 1
        if count == length:
            runs.append(first)
    return runs


def is_low_pulse(template: SurveyTemplate | str, rating: int) -> bool:
    """A meeting-pulse rating of 2 or lower."""
    return SurveyTemplate(template) is SurveyTemplate.MEETING_PULSE and rating <= LOW_PULSE_AT_MOST


def alert_id(relationship_id: str, reason: AtRiskReason, occurrence: str) -> str:
    """The derived id of one warning: one per relationship, reason and occurrence (a run, or a survey)."""
    return derived_id("relationship.at_risk", relationship_id, reason.value, occurrence)
