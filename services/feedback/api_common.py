"""What the feedback API modules share: dependencies, id parameters, error documents, the 422 of a bad answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel

from shared.audit import Audit as Audit  # re-exported for the other route modules
from shared.storage.mongo import Document

from .campaigns import Campaigns
from .goals import Closures, Goals
from .workflow import AnswerError, Feedback

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
IdFilter = Annotated[str | None, Query(pattern=ID_PATTERN)]
SurveyId = Annotated[str, Path(pattern=ID_PATTERN)]
ProgramId = Annotated[str, Path(pattern=ID_PATTERN)]
RelationshipId = Annotated[str, Path(pattern=ID_PATTERN)]
GoalId = Annotated[str, Path(pattern=ID_PATTERN)]


def _state(name: str) -> Any:
    def get(request: Request) -> Any:
        return getattr(request.app.state, name)

    return get


Service = Annotated[Feedback, Depends(_state("feedback"))]
CampaignService = Annotated[Campaigns, Depends(_state("campaigns"))]
GoalService = Annotated[Goals, Depends(_state("goals"))]
ClosureService = Annotated[Closures, Depends(_state("closures"))]


class Problem(BaseModel):
    detail: str


Responses = dict[int | str, dict[str, Any]]
UNAUTHENTICATED: Responses = {401: {"model": Problem, "description": "Missing or invalid bearer token"}}
BAD_BODY: Responses = {
    400: {"model": Problem, "description": "The body is not parseable JSON"},
    422: {"description": "A field is missing or invalid: each error names the field (or question id) and the reason"},
}


def public(doc: Document) -> dict[str, Any]:
    """A stored document as an API object (``_id`` becomes ``id``)."""
    return {("id" if k == "_id" else k): v for k, v in doc.items()}


def invalid_answers(error: AnswerError) -> HTTPException:
    """422 in the shape of a request validation error: one entry per question, naming it and the reason."""
    detail = [{"loc": ["body", "answers", p.question_id], "msg": p.reason, "type": "invalid_answer"} for p in error.problems]
    return HTTPException(422, detail)
