"""Feedback's use cases: issue surveys when a relationship starts, accept one answer per survey."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.feedback import SurveyIssued, SurveySubmitted, SurveyTemplate
from shared.contracts.matching import RelationshipStarted
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from . import domain
from .metrics import FeedbackMetrics
from .repository import FeedbackRepository

ALREADY_ANSWERED = "survey already answered"


class NotFoundError(LookupError):
    pass


class ConflictError(RuntimeError):
    pass


@dataclass
class Feedback:
    repo: FeedbackRepository
    outbox: Outbox
    metrics: FeedbackMetrics

    async def issue_for(self, started: RelationshipStarted, district: str) -> list[str]:
        """Store the relationship's surveys and emit ``SurveyIssued`` for each; returns the ids that were new.

        Events are emitted for every planned survey, not only new ones: a redelivery after a crash
        between storing and publishing completes the job, and the derived ids make it a no-op otherwise.
        """
        plans = domain.surveys_for(started.relationship_id, started.mentor_id, started.mentee_id, started.started_at)
        now = datetime.now(UTC)
        docs = [
            {
                "_id": p.survey_id,
                "program_id": started.program_id,
                "district": district,
                "relationship_id": started.relationship_id,
                "respondent_id": p.respondent_id,
                "role": p.role.value,
                "template": p.template.value,
                "issued_at": now,
                "due_at": p.due_at,
                "status": "open",
            }
            for p in plans
        ]
        new_ids = await self.repo.add_surveys(docs)
        for p in plans:  # counted as stored, before the events announce them
            if p.survey_id in new_ids:
                self.metrics.issued.labels(template=p.template.value).inc()
        await self.outbox.emit(
            [
                make_event(
                    SurveyIssued(
                        program_id=started.program_id,
                        relationship_id=started.relationship_id,
                        survey_id=p.survey_id,
                        respondent_id=p.respondent_id,
                        template=p.template,
                        due_at=p.due_at,
                    ),
                    district,
                    p.survey_id,
                    derived_id("survey.issued", p.survey_id),
                )
                for p in plans
            ]
        )
        return new_ids

    async def survey(self, survey_id: str) -> Document:
        """The stored survey; NotFoundError when there is none."""
        survey = await self.repo.survey(survey_id)
        if survey is None:
            raise NotFoundError(f"survey {survey_id} does not exist")
        return survey

    async def surveys(self, respondent_id: str | None, relationship_id: str | None, district: str | None) -> list[Document]:
        """Surveys matching every filter given; ``district`` None means every district."""
        return await self.repo.find_surveys(respondent_id, relationship_id, district)

    async def submit(self, survey: Document, rating: int, comment: str | None) -> Document:
        """Store the one answer of ``survey`` (as just read); emit ``SurveySubmitted`` (rating only, the comment stays)."""
        survey_id = survey["_id"]
        now = datetime.now(UTC)
        response = {
            "_id": derived_id("response", survey_id),
            "survey_id": survey_id,
            "respondent_id": survey["respondent_id"],
            "template": survey["template"],
            "rating": rating,
            "comment": comment,
            "submitted_at": now,
            "late": domain.is_late(survey["due_at"], now),
        }
        if not await self.repo.add_response(response):
            # Finish an earlier submission that stopped before closing the survey or emitting its event.
            if existing := await self.repo.response_of(survey_id):
                await self._close(survey, existing)
            raise ConflictError(ALREADY_ANSWERED)
        await self._close(survey, response)
        template = survey["template"]
        self.metrics.submitted.labels(template=template).inc()
        self.metrics.rating.labels(template=template).observe(rating)
        return response

    async def _close(self, survey: Document, response: Document) -> None:
        await self.repo.mark_answered(survey["_id"], response["submitted_at"], response["late"])
        submitted = SurveySubmitted(
            program_id=survey["program_id"],
            relationship_id=survey["relationship_id"],
            survey_id=survey["_id"],
            template=SurveyTemplate(survey["template"]),
            rating=response["rating"],
        )
        await self.outbox.emit(
            [make_event(submitted, survey["district"], survey["_id"], derived_id("survey.submitted", survey["_id"]))]
        )
