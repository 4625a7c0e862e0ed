"""Composition root of the matching service."""

from __future__ import annotations

from fastapi import FastAPI

from shared.contracts import matching as events
from shared.service import ServiceRuntime

from .api import router
from .metrics import MatchingMetrics
from .repository import MatchingRepository
from .settings import MatchingSettings
from .workflow import Matching

PUBLISHES = (
    events.ProgramCreated,
    events.ParticipantEnrolled,
    events.MatchProposed,
    events.MatchApproved,
    events.RelationshipStarted,
    events.RelationshipEnded,
)


def create_runtime(settings: MatchingSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime("matching", settings or MatchingSettings(), PUBLISHES)


def create_app(settings: MatchingSettings | None = None) -> FastAPI:
    runtime = create_runtime(settings)
    repo = MatchingRepository(runtime.db)
    runtime.on_startup(repo.ensure_indexes)
    app = runtime.http_app(router, description="Programs, roster import, optimal matching, proposals and relationships.")
    app.state.matching = Matching(repo, runtime.outbox, MatchingMetrics(runtime.registry))
    return app
