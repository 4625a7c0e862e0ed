"""Feedback's survey API: the templates, find surveys, read one, answer one. Who may do what is in ``access``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, StringConstraints

from shared.auth.http import Caller
from shared.auth.principal import not_found, require_role
from shared.contracts.feedback import SurveyTemplate
from shared.storage.mongo import Document

from . import access
from .api_common import (
    BAD_BODY,
    UNAUTHENTICATED,
    Audit,
    CampaignService,
    IdFilter,
    Problem,
    Responses,
    Service,
    SurveyId,
    invalid_answers,
    public,
)
from .templates import TEMPLATES, QuestionKind
from .workflow import ALREADY_ANSWERED, AnswerError, ConflictError, Feedback, NotFoundError

router = APIRouter(tags=["surveys"])
QuestionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]


class QuestionOut(BaseModel):
    id: str
    kind: QuestionKind
    text: str
    required: bool
    choices: list[str] = Field(description="The allowed answers of a choice question")
    minimum: int | None = Field(default=None, description="Scale and recommend questions: the lowest answer")
    maximum: int | None = Field(default=None, description="Scale and recommend questions: the highest answer")


class TemplateOut(BaseModel):
    template: SurveyTemplate
    version: int
    title: str
    anonymous: bool
    window_days: int = Field(description="How long a respondent has to answer (campaigns choose their own)")
    questions: list[QuestionOut]


class SurveyOut(BaseModel):
    id: str
    program_id: str
    district: str
    relationship_id: str | None = Field(description="None for a program-wide survey")
    campaign_id: str | None = None
    respondent_id: str
    role: str
    template: SurveyTemplate
    template_version: int
    anonymous: bool
    issued_at: datetime
    due_at: datetime
    status: Literal["open", "answered", "expired"]
    answered_at: datetime | None = Field(default=None, description="Named surveys only; never kept for an anonymous one")


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[QuestionId, StrictInt | StrictStr | None] = Field(
        max_length=30, description="Question id -> answer: 1-5 for a scale, 0-10 for recommend, a choice, or text"
    )


class ResponseOut(BaseModel):
    survey_id: str
    template: SurveyTemplate
    template_version: int
    anonymous: bool
    answers: dict[str, int | str] = Field(description="The answers as stored (returned to their author only)")
    submitted_at: datetime | None = Field(description="None for an anonymous answer: no time is kept")


NOT_FOUND: Responses = {
    **UNAUTHENTICATED,
    404: {"model": Problem, "description": "Unknown survey, or one the caller may not see"},
}


def _template_out() -> list[TemplateOut]:
    bounds = {QuestionKind.SCALE: (1, 5), QuestionKind.RECOMMEND: (0, 10)}
    return [
        TemplateOut(
            template=t.name,
            version=t.version,
            title=t.title,
            anonymous=t.anonymous,
            window_days=t.window.days,
            questions=[
                QuestionOut(
                    id=q.id,
                    kind=q.kind,
                    text=q.text,
                    required=q.required,
                    choices=list(q.choices),
                    minimum=bounds.get(q.kind, (None, None))[0],
                    maximum=bounds.get(q.kind, (None, None))[1],
                )
                for q in t.questions
            ],
        )
        for t in TEMPLATES
    ]


@router.get("/survey-templates", summary="Every survey template version and its questions", responses=UNAUTHENTICATED)
async def list_templates() -> list[TemplateOut]:
    """Any signed-in caller: what each survey asks, so a client can render and check it."""
    return _template_out()


async def _survey_for(feedback: Feedback, survey_id: str, caller: Caller, allowed: access.Check) -> Document:
    """The stored survey when ``allowed``; else 404, exactly as for a survey that does not exist."""
    try:
        survey = await feedback.survey(survey_id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    if not allowed(caller, survey):
        raise not_found(f"survey {survey_id}")
    return survey


@router.get(
    "/surveys",
    summary="Surveys of a respondent and/or a relationship (at least one filter)",
    responses={
        **UNAUTHENTICATED,
        403: {"model": Problem, "description": "A mentor or mentee named another respondent"},
        422: {"description": "No filter given, or a malformed id"},
    },
)
async def list_surveys(
    feedback: Service, caller: Caller, respondent_id: IdFilter = None, relationship_id: IdFilter = None
) -> list[SurveyOut]:
    """Teachers get their own surveys, coordinators their district's, state admins any. Never an answer."""
    query = access.scoped(caller, respondent_id, relationship_id)
    if not query.narrowed:
        raise HTTPException(422, "give respondent_id or relationship_id (or both)")
    found = await feedback.surveys(query.respondent_id, query.relationship_id, query.district)
    return [SurveyOut.model_validate(public(s)) for s in found]


@router.get("/surveys/{survey_id}", responses=NOT_FOUND)
async def get_survey(survey_id: SurveyId, feedback: Service, caller: Caller) -> SurveyOut:
    """A survey its respondent, its district's coordinator or a state admin may read (never its answer)."""
    return SurveyOut.model_validate(public(await _survey_for(feedback, survey_id, caller, access.may_read)))


@router.post(
    "/surveys/{survey_id}/responses",
    status_code=201,
    summary="Answer one's own survey, once, by its due date",
    responses={
        **NOT_FOUND,
        **BAD_BODY,
        403: {"model": Problem, "description": "Only mentors and mentees answer surveys"},
        409: {"model": Problem, "description": f"{ALREADY_ANSWERED}, or the survey expired"},
    },
)
async def answer_survey(
    survey_id: SurveyId, body: AnswerIn, feedback: Service, campaigns: CampaignService, caller: Caller, audit: Audit
) -> ResponseOut:
    """Only the respondent answers. A named answer is audited (without its content); an anonymous one is not:
    the ``responded`` record is all that is kept of who answered, with no time."""
    require_role(caller, *access.RESPONDENTS)
    survey = await _survey_for(feedback, survey_id, caller, access.is_respondent)
    answers: dict[str, Any] = dict(body.answers)
    try:
        if survey["anonymous"]:
            stored, submitted_at = await campaigns.answer(survey, answers), None
        else:
            response = await feedback.submit(survey, answers)
            stored, submitted_at = response["answers"], response["submitted_at"]
            await audit.record(caller, "survey.answered", survey_id, survey["district"])  # never the answers
    except AnswerError as exc:
        raise invalid_answers(exc) from exc
    except ConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    return ResponseOut(
        survey_id=survey_id,
        template=survey["template"],
        template_version=survey["template_version"],
        anonymous=survey["anonymous"],
        answers=stored,
        submitted_at=submitted_at,
    )
