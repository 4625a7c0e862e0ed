"""Feedback's HTTP API: find surveys, read one, answer one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.feedback import SurveyTemplate
from shared.storage.mongo import Document

from .workflow import ALREADY_ANSWERED, ConflictError, Feedback, NotFoundError

router = APIRouter(tags=["surveys"])
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
IdFilter = Annotated[str | None, Query(pattern=ID_PATTERN)]


def get_feedback(request: Request) -> Feedback:
    return request.app.state.feedback  # type: ignore[no-any-return]


Service = Annotated[Feedback, Depends(get_feedback)]


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


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Unknown survey"}}


@router.get(
    "/surveys",
    summary="Surveys of a respondent and/or a relationship (at least one filter)",
    responses={422: {"description": "No filter given, or a malformed id"}},
)
async def list_surveys(feedback: Service, respondent_id: IdFilter = None, relationship_id: IdFilter = None) -> list[SurveyOut]:
    if respondent_id is None and relationship_id is None:
        raise HTTPException(422, "give respondent_id or relationship_id (or both)")
    return [SurveyOut.model_validate(_public(s)) for s in await feedback.surveys(respondent_id, relationship_id)]


@router.get("/surveys/{survey_id}", responses=NOT_FOUND)
async def get_survey(survey_id: str, feedback: Service) -> SurveyOut:
    try:
        return SurveyOut.model_validate(_public(await feedback.survey(survey_id)))
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc


@router.post(
    "/surveys/{survey_id}/responses",
    status_code=201,
    summary="Answer a survey (once; late answers are accepted)",
    responses={**NOT_FOUND, 409: {"model": Problem, "description": ALREADY_ANSWERED}},
)
async def answer_survey(survey_id: str, body: Answer, feedback: Service) -> ResponseOut:
    try:
        response = await feedback.submit(survey_id, body.rating, body.comment)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except ConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    return ResponseOut.model_validate(_public(response))
