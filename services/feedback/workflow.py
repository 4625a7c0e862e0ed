"""Feedback's core use cases: issue surveys, admit an answer, and store a named (not anonymous) answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.contracts.envelope import CloudEvent, derived_id, make_event
from shared.contracts.feedback import AtRiskReason, SurveyIssued, SurveySubmitted, SurveyTemplate
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from . import domain, risk, templates
from .atrisk import RiskWatch
from .metrics import FeedbackMetrics
from .repository import FeedbackRepository

ALREADY_ANSWERED = "survey already answered"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class NotFoundError(LookupError):
    pass


class ConflictError(RuntimeError):
    pass


class AnswerError(ValueError):
    """Answers that do not fit the survey's template: one problem per question."""

    def __init__(self, problems: list[templates.Problem]) -> None:
        super().__init__("; ".join(f"{p.question_id}: {p.reason}" for p in problems))
        self.problems = problems


@dataclass
class Feedback:
    repo: FeedbackRepository
    outbox: Outbox
    metrics: FeedbackMetrics
    risk: RiskWatch
    clock: Clock = utc_now

    async def issue(self, plans: list[domain.PlannedSurvey], district: str) -> list[str]:
        """Store planned surveys and emit ``SurveyIssued`` for each; returns the ids that were new.

        Events are emitted for every planned survey, not only new ones: a redelivery after a crash between storing
        and publishing completes the job, and the derived ids make it a no-op otherwise.
        """
        now = self.clock()
        docs = [
            {
                "_id": p.survey_id,
                "program_id": p.program_id,
                "district": district,
                "relationship_id": p.relationship_id,
                "campaign_id": p.campaign_id,
                "respondent_id": p.respondent_id,
                "role": p.role,
                "template": p.template.name.value,
                "template_version": p.template.version,
                "anonymous": p.template.anonymous,
                "issued_at": now,
                "due_at": p.due_at,
                "status": "open",
                "reminded": False,
            }
            for p in plans
        ]
        new_ids = await self.repo.add_surveys(docs)
        for p in plans:  # counted as stored, before the events announce them
            if p.survey_id in new_ids:
                self.metrics.issued.labels(template=p.template.name.value).inc()
        await self.outbox.emit([self._issued(p, district) for p in plans])
        return new_ids

    @staticmethod
    def _issued(p: domain.PlannedSurvey, district: str) -> CloudEvent[SurveyIssued]:
        data = SurveyIssued(
            program_id=p.program_id,
            relationship_id=p.relationship_id,
            survey_id=p.survey_id,
            respondent_id=p.respondent_id,
            template=p.template.name,
            due_at=p.due_at,
        )
        return make_event(data, district, p.survey_id, derived_id("survey.issued", p.survey_id))

    async def survey(self, survey_id: str) -> Document:
        """The stored survey; NotFoundError when there is none."""
        survey = await self.repo.survey(survey_id)
        if survey is None:
            raise NotFoundError(f"survey {survey_id} does not exist")
        return survey

    async def surveys(self, respondent_id: str | None, relationship_id: str | None, district: str | None) -> list[Document]:
        """Surveys matching every filter given; ``district`` None means every district."""
        return await self.repo.find_surveys(respondent_id, relationship_id, district)

    async def admit(self, survey: Document, answers: dict[str, Any]) -> dict[str, Any]:
        """The cleaned answers when ``survey`` is open and they fit its template version.

        ConflictError when the survey was answered or has expired (one past its due date is expired now);
        AnswerError naming each question whose answer is missing or invalid.
        """
        if survey["status"] == "open" and domain.is_expired(survey["due_at"], self.clock()):
            if await self.repo.set_status(survey["_id"], "expired"):
                self.metrics.expired.labels(template=survey["template"]).inc()
            survey = {**survey, "status": "expired"}
        if survey["status"] == "answered":
            raise ConflictError(ALREADY_ANSWERED)
        if survey["status"] == "expired":
            raise ConflictError(f"survey expired: it was due by {domain.as_utc(survey['due_at']).isoformat()}")
        template = templates.get(survey["template"], survey["template_version"])
        if problems := templates.validate(template, answers):
            raise AnswerError(problems)
        return templates.cleaned(template, answers)

    async def submit(self, survey: Document, answers: dict[str, Any]) -> Document:
        """Store the one answer of a named ``survey``; emit ``SurveySubmitted`` (scores only, free text stays here)."""
        clean = await self.admit(survey, answers)
        rating, recommend = templates.scores(clean)
        response = {
            "_id": derived_id("response", survey["_id"]),
            "survey_id": survey["_id"],
            "program_id": survey["program_id"],
            "district": survey["district"],
            "relationship_id": survey["relationship_id"],
            "respondent_id": survey["respondent_id"],
            "template": survey["template"],
            "template_version": survey["template_version"],
            "answers": clean,
            "rating": rating,
            "recommend": recommend,
            "submitted_at": self.clock(),
        }
        if not await self.repo.add_response(response):
            # Finish an earlier submission that stopped before closing the survey or emitting its events.
            if existing := await self.repo.response_of(survey["_id"]):
                await self._close(survey, existing)
            raise ConflictError(ALREADY_ANSWERED)
        await self._close(survey, response)
        self.metrics.answered.labels(template=survey["template"]).inc()
        self.metrics.rating.labels(template=survey["template"]).observe(rating)
        return response

    async def _close(self, survey: Document, response: Document) -> None:
        await self.repo.set_status(survey["_id"], "answered", response["submitted_at"])
        submitted = SurveySubmitted(
            program_id=survey["program_id"],
            relationship_id=survey["relationship_id"],
            survey_id=survey["_id"],
            template=SurveyTemplate(survey["template"]),
            rating=response["rating"],
            recommend=response.get("recommend"),
        )
        event_id = derived_id("survey.submitted", survey["_id"])
        await self.outbox.emit([make_event(submitted, survey["district"], survey["_id"], event_id)])
        if survey["relationship_id"] and risk.is_low_pulse(survey["template"], response["rating"]):
            await self.risk.warn(
                survey["program_id"], survey["relationship_id"], survey["district"], AtRiskReason.LOW_PULSE, survey["_id"]
            )
