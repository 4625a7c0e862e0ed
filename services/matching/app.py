"""Composition root of the matching service."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from fastapi import APIRouter, FastAPI
from nats.js.errors import NotFoundError

from shared.contracts import matching as events
from shared.contracts.feedback import ClosureRecorded
from shared.messaging.broker import durable_name
from shared.service import ServiceRuntime

from .api import router
from .api_choices import router as choices_router
from .api_roster import router as roster_router
from .api_runs import router as runs_router
from .choices import Choices
from .enrolment import Enrolment
from .handlers import on_closure_recorded, on_match_run
from .induction import Induction
from .metrics import MatchingMetrics
from .repository import MatchingRepository
from .runs import MatchRuns
from .seats import Seats
from .settings import MatchingSettings
from .workflow import Matching

PUBLISHES = (
    events.ProgramCreated,
    events.ParticipantEnrolled,
    events.MatchProposed,
    events.MatchApproved,
    events.RelationshipStarted,
    events.RelationshipEnded,
    events.MatchRequested,
    events.MatchDeclined,
    events.InductionFlagged,
    events.ParticipantStatusChanged,
    events.MatchRunRequested,
)
JOB = events.MatchRunRequested.kind
QUEUE_LAG_SECONDS = 15.0


def create_runtime(settings: MatchingSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime("matching", settings or MatchingSettings(), PUBLISHES)


def create_app(settings: MatchingSettings | None = None) -> FastAPI:
    settings = settings or MatchingSettings()
    runtime = create_runtime(settings)
    repo = MatchingRepository(runtime.db)
    seats = Seats(runtime.db)
    runtime.on_startup(repo.ensure_indexes)
    runtime.on_startup(seats.ensure_indexes)
    metrics = MatchingMetrics(runtime.registry)
    runs = MatchRuns(
        repo,
        seats,
        runtime.outbox,
        metrics,
        replica=f"{socket.gethostname()}:{os.getpid()}",
        heartbeat_seconds=settings.job_ack_wait_seconds / 3,
        hold_seconds=settings.job_hold_seconds,
    )
    matching = Matching(repo, seats, runtime.outbox, metrics, runs)
    induction = Induction(repo, runtime.outbox, metrics)
    runtime.provide("runs", runs)
    runtime.provide("matching", matching)
    runtime.subscriptions.on(ClosureRecorded.kind, on_closure_recorded)
    runtime.provide("max_deliver", settings.max_deliver)
    # One shared durable: every replica pulls from it, one job at a time.
    runtime.subscriptions.on(JOB, on_match_run, batch_size=1, ack_wait=settings.job_ack_wait_seconds)

    async def housekeeping() -> None:
        await induction.sweep()
        stuck_after = timedelta(seconds=settings.job_ack_wait_seconds * 3)
        await runs.fail_stuck(settings.max_deliver, stuck_after)

    async def queue_lag() -> None:
        await _refresh_queue_lag(runtime, metrics)

    runtime.every(settings.housekeeping_seconds, housekeeping)
    runtime.every(QUEUE_LAG_SECONDS, queue_lag)
    api = APIRouter()
    for part in (router, roster_router, runs_router, choices_router):
        api.include_router(part)
    app = runtime.http_app(api, description="Programs, roster import, optimal matching, proposals and relationships.")
    app.state.matching = matching
    app.state.choices = Choices(matching)
    app.state.enrolment = Enrolment(matching)
    app.state.induction = induction
    return app


async def _refresh_queue_lag(runtime: ServiceRuntime, metrics: MatchingMetrics) -> None:
    """Jobs still waiting in the work queue, from the shared consumer's state."""
    js = runtime.broker.connection.jetstream()
    durable = durable_name(runtime.name, f"{JOB.entity}_{JOB.action}_v{JOB.version}")
    try:
        info = await js.consumer_info("JOBS", durable)
    except NotFoundError:
        return
    metrics.jobs_pending.set(info.num_pending)
