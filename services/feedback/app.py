"""Composition root of the feedback service."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, FastAPI

from shared.contracts import feedback as events
from shared.contracts import matching, scheduling
from shared.service import ServiceRuntime

from . import handlers
from .anonymous_store import AnonymousStore
from .api import router as survey_router
from .api_programs import router as program_router
from .api_relationships import router as relationship_router
from .atrisk import RiskWatch
from .campaigns import Campaigns
from .goals import Closures, Goals
from .goals_store import GoalsStore
from .metrics import FeedbackMetrics
from .repository import FeedbackRepository
from .schedule import Schedule
from .settings import FeedbackSettings
from .sweep import Sweep
from .workflow import Feedback

PUBLISHES = (
    events.SurveyIssued,
    events.SurveySubmitted,
    events.SurveyReminderDue,
    events.AnonymousAnswersReleased,
    events.RelationshipAtRisk,
    events.ClosureRecorded,
)
CONSUMES = (
    (matching.RelationshipStarted, handlers.on_relationship_started),
    (matching.RelationshipEnded, handlers.on_relationship_ended),
    (matching.ParticipantEnrolled, handlers.on_participant_enrolled),
    (scheduling.MeetingScheduled, handlers.on_meeting_scheduled),
    (scheduling.MeetingRescheduled, handlers.on_meeting_rescheduled),
    (scheduling.MeetingCompleted, handlers.on_meeting_completed),
    (scheduling.MeetingMissed, handlers.on_meeting_missed),
)


def create_runtime(settings: FeedbackSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime("feedback", settings or FeedbackSettings(), PUBLISHES)


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    """Wire stores, outbox, metrics, the event consumers, the periodic sweep and the HTTP API."""
    settings = settings or FeedbackSettings()
    runtime = create_runtime(settings)
    repo, anonymous, goals_store = FeedbackRepository(runtime.db), AnonymousStore(runtime.db), GoalsStore(runtime.db)
    for store in (repo, anonymous, goals_store):
        runtime.on_startup(store.ensure_indexes)
    metrics = FeedbackMetrics(runtime.registry)
    risk = RiskWatch(repo, runtime.outbox, metrics)
    feedback = Feedback(repo, runtime.outbox, metrics, risk)
    campaigns = Campaigns(repo, anonymous, feedback, runtime.outbox, metrics, settings.anonymity_k)
    sweep = Sweep(repo, feedback, campaigns, runtime.outbox, metrics, timedelta(hours=settings.reminder_hours_before))
    runtime.provide("schedule", Schedule(repo, feedback, risk))
    for event, handler in CONSUMES:
        runtime.subscriptions.on(event.kind, handler)
    runtime.every(settings.sweep_seconds, sweep.run)
    api = APIRouter()
    for part in (survey_router, program_router, relationship_router):
        api.include_router(part)
    description = "Surveys (some anonymous), goals and reflections, closure, and at-risk warnings for mentoring relationships."
    app = runtime.http_app(api, description=description)
    app.state.feedback = feedback
    app.state.campaigns = campaigns
    app.state.goals = Goals(goals_store)
    app.state.closures = Closures(goals_store, runtime.outbox)
    app.state.sweep = sweep
    return app
