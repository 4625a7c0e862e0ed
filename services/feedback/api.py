"""Feedback's HTTP API: find surveys, read one, answer one. Who may do what is in ``access``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shared.audit import AuditLog
from shared.auth.http import Caller
from shared.auth.principal import not_found, require_role
from shared.contracts.feedback import SurveyTemplate
from shared.storage.mongo import Document

from . import access
from .workflow import ALREADY_ANSWERED, ConflictError, Feedback, NotFoundError

router = APIRouter(tags=["surveys"])
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
IdFilter = Annotated[str | None, Query(pattern=ID_PATTERN)]
SurveyId = Annotated[str, Path(pattern=ID_PATTERN)]


def get_feedback(request: Request) -> Feedback:
    return request.app.state.feedback  # type: ignore[no-any-return]


def get_audit(request: Request) -> AuditLog:
    return request.app.state.runtime.audit  # type: ignore[no-any-return]


Service = Annotated[Feedback, Depends(get_feedback)]
Audit = Annotated[AuditLog, Depends(get_audit)]


class Problem(BaseModel):
    detail: str


class SurveyOut(BaseModel):
    id: str
    program_id: str
    district: str
    relationship_id: str
    respondent_id: str
    role: str
    template: SurveyTemplate
    issued_at: datetime
    due_at: datetime
    status: str = Field(description="open or answered")
    answered_at: datetime | None = None
    late: bool | None = Field(default=None, description="Answered after due_at (still accepted)")


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(strict=True, ge=1, le=5, description="1 (poor) to 5 (excellent)")
    comment: str | None = Field(default=None, max_length=2000, description="Free text; never leaves this service")


class ResponseOut(BaseModel):
    id: str
    survey_id: str
    rating: int
    comment: str | None
    submitted_at: datetime
    late: bool


def _public(doc: Document) -> dict[str, Any]:
    return {("id" if k == "_id" else k): v for k, v in doc.items()}


Responses = dict[int | str, dict[str, Any]]
UNAUTHENTICATED: Responses = {401: {"model": Problem, "description": "Missing or invalid bearer token"}}
NOT_FOUND: Responses = {
    **UNAUTHENTICATED,
    404: {"model": Problem, "description": "Unknown survey, or one the caller may not see"},
}


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
    return [SurveyOut.model_validate(_public(s)) for s in found]


@router.get("/surveys/{survey_id}", responses=NOT_FOUND)
async def get_survey(survey_id: SurveyId, feedback: Service, caller: Caller) -> SurveyOut:
    """A survey its respondent, its district's coordinator or a state admin may read (never its answer)."""
    return SurveyOut.model_validate(_public(await _survey_for(feedback, survey_id, caller, access.may_read)))


@router.post(
    "/surveys/{survey_id}/responses",
    status_code=201,
    summary="Answer one's own survey (once; late answers are accepted)",
    responses={
        **NOT_FOUND,
        400: {"model": Problem, "description": "The body is not parseable JSON"},
        403: {"model": Problem, "description": "Only mentors and mentees answer surveys"},
        409: {"model": Problem, "description": ALREADY_ANSWERED},
    },
)
async def answer_survey(survey_id: SurveyId, body: Answer, feedback: Service, caller: Caller, audit: Audit) -> ResponseOut:
    """Only the respondent answers; the answer is returned to them alone, and audited without its content."""
    require_role(caller, *access.RESPONDENTS)
    survey = await _survey_for(feedback, survey_id, caller, access.is_respondent)
    try:
        response = await feedback.submit(survey, body.rating, body.comment)
    except ConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    await audit.record(caller, "survey.answered", survey_id, survey["district"])  # never the rating or comment
    return ResponseOut.model_validate(_public(response))
