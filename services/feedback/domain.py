"""Which surveys are issued to whom, when they are due, when to remind and when they expire. Pure: no I/O.

The schedule (UTC):

- **match quality**: issued when a relationship starts, to mentor and mentee, due 30 days after the start;
- **meeting pulse**: issued when a meeting is completed, to each of its participants, due 7 days later;
- **mid-cycle**: half-way through a relationship's first six months. The periodic sweep issues it to both
  partners of a relationship still active between day 91 and day 98 after its start (a relationship the service
  first sees later does not get one), due on day 105;
- **closure**: issued when the relationship ends, to both, due 14 days after the end;
- **program anonymous**: a coordinator's campaign, to every known participant of a program, due after its window.

A **reminder** goes out once per open survey, ``before`` (default 48 h) before its due date, unless the survey
was issued after that point (the invitation itself is recent enough). An open survey past its due date **expires**.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from shared.contracts.envelope import derived_id
from shared.contracts.feedback import SurveyTemplate

from .templates import Template, current

MATCH_QUALITY_AFTER: Final = timedelta(days=30)
MID_CYCLE_FROM: Final = timedelta(days=91)
MID_CYCLE_UNTIL: Final = timedelta(days=98)
MID_CYCLE_DUE: Final = timedelta(days=105)
PARTICIPANT: Final = "participant"  # the role of a respondent who is neither the mentor nor the mentee we know of


@dataclass(frozen=True)
class PlannedSurvey:
    """One survey to issue: to whom, which template version, about what, due when."""

    survey_id: str
    program_id: str
    relationship_id: str | None
    respondent_id: str
    role: str
    template: Template
    due_at: datetime
    campaign_id: str | None = None


def as_utc(moment: datetime) -> datetime:
    """A timezone-aware UTC datetime; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def survey_id(scope: str, template: SurveyTemplate, respondent_id: str) -> str:
    """The natural key of a survey: one per scope (relationship, meeting or campaign), template and respondent."""
    return derived_id("survey", scope, template.value, respondent_id)


def plan(
    name: SurveyTemplate,
    scope: str,
    program_id: str,
    relationship_id: str | None,
    respondents: Iterable[tuple[str, str]],
    due_at: datetime,
    campaign_id: str | None = None,
) -> list[PlannedSurvey]:
    """One survey per distinct respondent (``(participant_id, role)``), in the order given."""
    template, planned, seen = current(name), [], set()
    for respondent_id, role in respondents:
        sid = survey_id(scope, name, respondent_id)
        if sid in seen:  # someone paired with themselves, or listed twice, still gets one survey
            continue
        seen.add(sid)
        planned.append(
            PlannedSurvey(sid, program_id, relationship_id, respondent_id, role, template, as_utc(due_at), campaign_id)
        )
    return planned


def pair(mentor_id: str, mentee_id: str) -> list[tuple[str, str]]:
    return [(mentor_id, "mentor"), (mentee_id, "mentee")]


def match_quality(
    program_id: str, relationship_id: str, mentor_id: str, mentee_id: str, started_at: datetime
) -> list[PlannedSurvey]:
    """The 30-day match-quality survey, mentor first, then mentee."""
    due = as_utc(started_at) + MATCH_QUALITY_AFTER
    return plan(SurveyTemplate.MATCH_QUALITY_30D, relationship_id, program_id, relationship_id, pair(mentor_id, mentee_id), due)


def closure(program_id: str, relationship_id: str, mentor_id: str, mentee_id: str, ended_at: datetime) -> list[PlannedSurvey]:
    """The closure survey to both partners, due after the template's window."""
    due = as_utc(ended_at) + current(SurveyTemplate.CLOSURE).window
    return plan(SurveyTemplate.CLOSURE, relationship_id, program_id, relationship_id, pair(mentor_id, mentee_id), due)


def mid_cycle_window(started_at: datetime, now: datetime) -> bool:
    """True while the mid-cycle survey may be issued: day 91 to day 98 after the start."""
    age = as_utc(now) - as_utc(started_at)
    return MID_CYCLE_FROM <= age < MID_CYCLE_UNTIL


def mid_cycle(program_id: str, relationship_id: str, mentor_id: str, mentee_id: str, started_at: datetime) -> list[PlannedSurvey]:
    """The mid-cycle check to both partners, due on day 105."""
    due = as_utc(started_at) + MID_CYCLE_DUE
    return plan(SurveyTemplate.MID_CYCLE, relationship_id, program_id, relationship_id, pair(mentor_id, mentee_id), due)


def roles(participant_ids: Iterable[str], mentor_id: str | None, mentee_id: str | None) -> list[tuple[str, str]]:
    """Each participant with their role in the relationship (``participant`` when not its mentor or mentee)."""
    known = {mentor_id: "mentor", mentee_id: "mentee"}
    return [(pid, known.get(pid, PARTICIPANT)) for pid in participant_ids]


def pulse(
    program_id: str, relationship_id: str, meeting_id: str, participants: list[tuple[str, str]], completed_at: datetime
) -> list[PlannedSurvey]:
    """The meeting pulse to every participant of a completed meeting."""
    due = as_utc(completed_at) + current(SurveyTemplate.MEETING_PULSE).window
    return plan(SurveyTemplate.MEETING_PULSE, meeting_id, program_id, relationship_id, participants, due)


def campaign(
    campaign_id: str, program_id: str, people: list[tuple[str, str]], issued_at: datetime, days: int
) -> list[PlannedSurvey]:
    """The program-wide anonymous survey to every participant, due ``days`` after issue."""
    due = as_utc(issued_at) + timedelta(days=days)
    return plan(SurveyTemplate.PROGRAM_ANONYMOUS, campaign_id, program_id, None, people, due, campaign_id)


def reminder_due(issued_at: datetime, due_at: datetime, now: datetime, before: timedelta) -> bool:
    """True when an open survey should be reminded now: inside the last ``before`` and issued before that window."""
    remind_at = as_utc(due_at) - before
    return as_utc(issued_at) <= remind_at <= as_utc(now) <= as_utc(due_at)


def is_expired(due_at: datetime, now: datetime) -> bool:
    """True once the due date has passed: the survey takes no more answers."""
    return as_utc(now) > as_utc(due_at)
