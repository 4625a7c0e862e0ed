"""Which surveys a relationship gets and when they are due. Pure: no I/O.

Every relationship gets the 30-day match-quality survey, once for the mentor and once for the
mentee, due 30 days after the relationship started. Answers after the due date are accepted but
marked late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from shared.contracts.envelope import derived_id
from shared.contracts.feedback import SurveyTemplate
from shared.contracts.matching import Role

DUE_AFTER: Final[dict[SurveyTemplate, timedelta]] = {SurveyTemplate.MATCH_QUALITY_30D: timedelta(days=30)}


@dataclass(frozen=True)
class PlannedSurvey:
    """One survey a relationship gets: to whom, which template, due when."""

    survey_id: str
    respondent_id: str
    role: Role
    template: SurveyTemplate
    due_at: datetime


def survey_id(relationship_id: str, template: SurveyTemplate, respondent_id: str) -> str:
    """The natural key of a survey: one per relationship, template and respondent."""
    return derived_id("survey", relationship_id, template.value, respondent_id)


def as_utc(moment: datetime) -> datetime:
    """A timezone-aware UTC datetime; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def surveys_for(relationship_id: str, mentor_id: str, mentee_id: str, started_at: datetime) -> list[PlannedSurvey]:
    """The surveys a relationship started at ``started_at`` gets: every template, mentor first, then mentee."""
    start = as_utc(started_at)
    respondents = [(mentor_id, Role.MENTOR), (mentee_id, Role.MENTEE)]
    planned: list[PlannedSurvey] = []
    seen: set[str] = set()
    for template, delay in DUE_AFTER.items():
        for respondent_id, role in respondents:
            sid = survey_id(relationship_id, template, respondent_id)
            if sid in seen:  # a malformed pairing of someone with themselves still gets one survey
                continue
            seen.add(sid)
            planned.append(PlannedSurvey(sid, respondent_id, role, template, start + delay))
    return planned


def is_late(due_at: datetime, answered_at: datetime) -> bool:
    """True when the answer came after the due date (it is still accepted)."""
    return as_utc(answered_at) > as_utc(due_at)
