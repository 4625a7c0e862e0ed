"""Composition root of the feedback service."""

from __future__ import annotations

from fastapi import FastAPI

from shared.contracts import feedback as events
from shared.contracts.matching import RelationshipStarted
from shared.service import ServiceRuntime

from .api import router
from .handlers import on_relationship_started
from .metrics import FeedbackMetrics
from .repository import FeedbackRepository
from .settings import FeedbackSettings
from .workflow import Feedback

PUBLISHES = (events.SurveyIssued, events.SurveySubmitted)


def create_runtime(settings: FeedbackSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime("feedback", settings or FeedbackSettings(), PUBLISHES)


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    """Wire store, outbox, metrics, the ``RelationshipStarted`` consumer and the HTTP API."""
    runtime = create_runtime(settings)
    repo = FeedbackRepository(runtime.db)
    runtime.on_startup(repo.ensure_indexes)
    feedback = Feedback(repo, runtime.outbox, FeedbackMetrics(runtime.registry))
    runtime.provide("feedback", feedback)
    runtime.subscriptions.on(RelationshipStarted.kind, on_relationship_started)
    app = runtime.http_app(router, description="Match-quality surveys for mentors and mentees, and their answers.")
    app.state.feedback = feedback
    return app
