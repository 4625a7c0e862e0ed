"""Events of the feedback service: surveys issued and answered. Free text never leaves the service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.contracts.envelope import EventData, OpaqueId
from shared.contracts.subjects import Domain, EventKind


class SurveyTemplate(StrEnum):
    MATCH_QUALITY_30D = "match_quality_30d"


def _kind(action: str) -> EventKind:
    return EventKind(Domain.FEEDBACK, "survey", action, 1)


class SurveyIssued(EventData):
    kind: ClassVar[EventKind] = _kind("issued")
    program_id: OpaqueId
    relationship_id: OpaqueId
    survey_id: OpaqueId
    respondent_id: OpaqueId
    template: SurveyTemplate
    due_at: datetime


class SurveySubmitted(EventData):
    kind: ClassVar[EventKind] = _kind("submitted")
    program_id: OpaqueId
    relationship_id: OpaqueId
    survey_id: OpaqueId
    template: SurveyTemplate
    rating: int = Field(ge=1, le=5)
