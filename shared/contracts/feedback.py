"""Events of the feedback service: surveys issued and answered, at-risk warnings, closures.

Free text never leaves the service. Anonymous answers never travel one by one: they are released in batches of at
least k (default 5) per program and template, with no survey, relationship or respondent id, in shuffled order.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.contracts.envelope import EventData, OpaqueId
from shared.contracts.matching import EndReason
from shared.contracts.subjects import Domain, EventKind


class SurveyTemplate(StrEnum):
    MEETING_PULSE = "meeting_pulse"  # after a completed meeting, to both
    MATCH_QUALITY_30D = "match_quality_30d"  # 30 days after a relationship starts
    MID_CYCLE = "mid_cycle"  # half-way through the program term
    CLOSURE = "closure"  # when a relationship ends
    PROGRAM_ANONYMOUS = "program_anonymous"  # program-wide, anonymous


class AtRiskReason(StrEnum):
    TWO_MISSED_MEETINGS = "two_missed_meetings"  # two missed meetings in a row
    LOW_PULSE = "low_pulse"  # a pulse answer of 2 or lower


def _kind(action: str) -> EventKind:
    return EventKind(Domain.FEEDBACK, "survey", action, 1)


class SurveyIssued(EventData):
    """A person is asked to answer a survey by ``due_at`` (program-wide surveys have no relationship)."""

    kind: ClassVar[EventKind] = _kind("issued")
    program_id: OpaqueId
    relationship_id: OpaqueId | None
    survey_id: OpaqueId
    respondent_id: OpaqueId
    template: SurveyTemplate
    due_at: datetime


class SurveySubmitted(EventData):
    """A named (not anonymous) survey was answered: its overall 1-5 rating and, when asked, the 0-10 recommendation."""

    kind: ClassVar[EventKind] = _kind("submitted")
    program_id: OpaqueId
    relationship_id: OpaqueId | None
    survey_id: OpaqueId
    template: SurveyTemplate
    rating: int = Field(ge=1, le=5)
    recommend: int | None = Field(default=None, ge=0, le=10)


class SurveyReminderDue(EventData):
    """Remind a respondent of an unanswered survey before it closes (notification sends it)."""

    kind: ClassVar[EventKind] = EventKind(Domain.FEEDBACK, "survey_reminder", "due", 1)
    program_id: OpaqueId
    survey_id: OpaqueId
    respondent_id: OpaqueId
    template: SurveyTemplate
    due_at: datetime


class AnonymousAnswersReleased(EventData):
    """A batch of at least k anonymous answers to one program's survey campaign: scores only, sorted, unlinkable."""

    kind: ClassVar[EventKind] = EventKind(Domain.FEEDBACK, "anonymous_answers", "released", 1)
    program_id: OpaqueId
    campaign_id: OpaqueId
    template: SurveyTemplate
    ratings: list[int] = Field(min_length=1)
    recommends: list[int] = Field(default_factory=list)
    batch: int | None = Field(
        default=None,
        ge=0,
        description="The campaign's release number (0, 1, ...): with campaign_id it names the batch, so a consumer counts "
        "a batch once even if it comes again under another envelope id. Absent from events of producers before it.",
    )


class RelationshipAtRisk(EventData):
    """Warning for the district coordinator: two missed meetings in a row, or a pulse answer of 2 or lower."""

    kind: ClassVar[EventKind] = EventKind(Domain.FEEDBACK, "relationship", "at_risk", 1)
    program_id: OpaqueId
    relationship_id: OpaqueId
    reason: AtRiskReason


class ClosureRecorded(EventData):
    """A participant closed the relationship (completed, or early with a reason); matching ends it and may rematch."""

    kind: ClassVar[EventKind] = EventKind(Domain.FEEDBACK, "closure", "recorded", 1)
    program_id: OpaqueId
    relationship_id: OpaqueId
    reason: EndReason
    recorded_by: OpaqueId
