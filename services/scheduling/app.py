"""Composition root of the scheduling service."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, FastAPI

from shared.contracts import scheduling as events
from shared.contracts.matching import ProgramCreated, RelationshipEnded, RelationshipStarted
from shared.service import ServiceRuntime

from .api import router as meetings_router
from .api_feed import public as public_feed_router
from .api_feed import router as feed_router
from .api_setup import router as setup_router
from .feed import Feeds
from .handlers import on_program_created, on_relationship_ended, on_relationship_started
from .housekeeping import Housekeeping
from .metrics import SchedulingMetrics
from .planning import Planning
from .reminders import Reminders, ReminderStore
from .repository import SchedulingRepository
from .school_calendar import DistrictCalendar
from .settings import SchedulingSettings
from .stores import PlanningStore
from .workflow import Scheduling

PUBLISHES = (
    events.MeetingScheduled,
    events.MeetingCompleted,
    events.MeetingMissed,
    events.MeetingRescheduled,
    events.MeetingCancelled,
    events.MeetingOverdue,
    events.ReminderDue,
    events.InductionHoursShort,
)


def create_runtime(settings: SchedulingSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime("scheduling", settings or SchedulingSettings(), PUBLISHES)


def create_app(settings: SchedulingSettings | None = None) -> FastAPI:
    settings = settings or SchedulingSettings()
    runtime = create_runtime(settings)
    repo = SchedulingRepository(runtime.db)
    store = PlanningStore(runtime.db, DistrictCalendar(time_zone=settings.default_time_zone))
    reminder_store = ReminderStore(runtime.db)
    metrics = SchedulingMetrics(runtime.registry)
    reminders = Reminders(
        reminder_store,
        repo,
        runtime.outbox,
        metrics,
        late_after=timedelta(seconds=settings.reminder_late_after_seconds),
        claim_for=timedelta(seconds=settings.reminder_claim_seconds),
    )
    scheduling = Scheduling(repo, store, reminders, runtime.outbox, metrics)
    planning = Planning(repo, store, scheduling, reminders, runtime.outbox, metrics)
    housekeeping = Housekeeping(planning, reminders, repo, store, runtime.outbox, metrics, runtime.db)
    feeds = Feeds(runtime.db, repo)
    for hook in (repo.ensure_indexes, store.ensure_indexes, reminder_store.ensure_indexes, feeds.ensure_indexes):
        runtime.on_startup(hook)
    runtime.provide("planning", planning)
    runtime.subscriptions.on(ProgramCreated.kind, on_program_created)
    runtime.subscriptions.on(RelationshipStarted.kind, on_relationship_started)
    runtime.subscriptions.on(RelationshipEnded.kind, on_relationship_ended)
    runtime.every(settings.sweep_seconds, housekeeping.run)
    api = APIRouter()
    for part in (meetings_router, setup_router, feed_router):
        api.include_router(part)
    app = runtime.http_app(
        api, description="Meetings of mentoring relationships on school calendars: cadences, reminders, outcomes, feeds."
    )
    app.include_router(public_feed_router)  # the secret in the URL is its credential: no bearer token
    app.state.scheduling = scheduling
    app.state.planning = planning
    app.state.reminders = reminders
    app.state.housekeeping = housekeeping
    app.state.feeds = feeds
    app.state.feed_base_url = settings.feed_base_url.rstrip("/")
    return app
