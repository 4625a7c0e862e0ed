"""A program's cadence: how often its people meet, how long, and the rules around meetings. Pure values.

Defaults (a program whose coordinator never set a cadence): a 60-minute check-in every week, the first
on the first open day at least one day after the relationship starts; an observation cycle every four
weeks, the first beginning seven days after the start, made of a pre-conference (30 min), the
observation (45) the next open day, a debrief (30) the open day after and a reflection (30) the open day
after that; reminders 24 h and 1 h before; overdue 48 h after the end; at least 240 minutes of mentoring
per 4 weeks (California's induction hour a week); meetings materialised four weeks ahead.
"""

from __future__ import annotations

from datetime import date
from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contracts.scheduling import MeetingKind

from .school_calendar import Weekday

StepKind = Literal["pre_conference", "observation", "debrief", "reflection"]


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CheckIns(_Rule):
    """Regular check-ins (group sessions in group programs): one in every period of ``every_weeks`` weeks."""

    every_weeks: int = Field(default=1, ge=1, le=12)
    duration_minutes: int = Field(default=60, ge=10, le=480)
    weekday: Weekday | None = Field(default=None, description="Preferred weekday: each period begins on it")


class Step(_Rule):
    """One step of an observation cycle; the first step's ``days_after_previous`` counts from the cycle's start."""

    kind: StepKind
    days_after_previous: int = Field(
        default=1, ge=0, le=28, description="Earliest day after the previous step (0: the same day, after it ends)"
    )
    duration_minutes: int = Field(default=30, ge=10, le=480)


DEFAULT_STEPS: Final = (
    Step(kind="pre_conference", days_after_previous=0, duration_minutes=30),
    Step(kind="observation", days_after_previous=1, duration_minutes=45),
    Step(kind="debrief", days_after_previous=1, duration_minutes=30),
    Step(kind="reflection", days_after_previous=1, duration_minutes=30),
)


class ObservationCycle(_Rule):
    """Observe, debrief, reflect: a cycle of steps every ``every_weeks`` weeks, per relationship."""

    every_weeks: int = Field(default=4, ge=1, le=52)
    first_after_days: int = Field(default=7, ge=0, le=90, description="Days after the relationship starts")
    steps: list[Step] = Field(default=list(DEFAULT_STEPS), min_length=1, max_length=4)

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        kinds = [s.kind for s in self.steps]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each step kind may appear once in a cycle")
        return self

    def kinds(self) -> list[MeetingKind]:
        return [MeetingKind(s.kind) for s in self.steps]


class ProgramCadence(_Rule):
    """Everything scheduling needs to know about one program's meetings (``PUT /programs/{id}/cadence``)."""

    check_ins: CheckIns | None = Field(default=CheckIns(), description="None: no regular check-ins")
    observation_cycle: ObservationCycle | None = Field(default=ObservationCycle(), description="None: no observations")
    term_start: date | None = Field(default=None, description="Nothing is scheduled before (within the district's term)")
    term_end: date | None = None
    reminder_offsets_minutes: list[int] = Field(default=[1440, 60], max_length=5, description="Reminders before each meeting")
    overdue_grace_hours: int = Field(default=48, ge=1, le=720, description="Unmarked this long after its end: overdue")
    induction_minimum_minutes: int = Field(
        default=240, ge=0, le=10_080, description="Minimum mentoring per 28 days (0: no induction check)"
    )
    horizon_weeks: int = Field(default=4, ge=1, le=26, description="Meetings are materialised this far ahead")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValueError(f"term_end {self.term_end} is before term_start {self.term_start}")
        return self

    @field_validator("reminder_offsets_minutes")
    @classmethod
    def _offsets(cls, offsets: list[int]) -> list[int]:
        if any(not 1 <= o <= 20_160 for o in offsets):
            raise ValueError("reminder offsets are minutes between 1 and 20160 (14 days)")
        if len(set(offsets)) != len(offsets):
            raise ValueError("reminder offsets must be distinct")
        return offsets
