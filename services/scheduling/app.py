"""Composition root of the scheduling service."""

from __future__ import annotations

from fastapi import FastAPI

from shared.contracts import scheduling as events
from shared.contracts.matching import RelationshipEnded, RelationshipStarted
from shared.service import ServiceRuntime

from .api import router
from .handlers import on_relationship_ended, on_relationship_started
from .metrics import SchedulingMetrics
from .repository import SchedulingRepository
from .settings import SchedulingSettings
from .workflow import Scheduling

PUBLISHES = (events.MeetingScheduled, events.MeetingCompleted, events.MeetingMissed)


def create_runtime(settings: SchedulingSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime("scheduling", settings or SchedulingSettings(), PUBLISHES)


def create_app(settings: SchedulingSettings | None = None) -> FastAPI:
    runtime = create_runtime(settings)
    repo = SchedulingRepository(runtime.db)
    runtime.on_startup(repo.ensure_indexes)
    scheduling = Scheduling(repo, runtime.outbox, SchedulingMetrics(runtime.registry))
    runtime.provide("scheduling", scheduling)
    runtime.subscriptions.on(RelationshipStarted.kind, on_relationship_started)
    runtime.subscriptions.on(RelationshipEnded.kind, on_relationship_ended)
    app = runtime.http_app(router, description="Meetings of mentoring relationships: first meetings, outcomes.")
    app.state.scheduling = scheduling
    return app
