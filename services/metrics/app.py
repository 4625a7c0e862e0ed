"""Composition root of the metrics service: consumes every stream, publishes nothing."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shared.contracts.envelope import EventData
from shared.contracts.subjects import Domain
from shared.service import ServiceRuntime

from . import schema
from .api import router
from .api_links import public as public_links
from .handlers import on_events
from .links import ReportLinks
from .metrics import ReadModelMetrics
from .repository import ReadModel
from .settings import MetricsSettings
from .streams import read_stream_depths
from .workflow import Projection

PUBLISHES: tuple[type[EventData], ...] = ()


def create_runtime(settings: MetricsSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime("metrics", settings or MetricsSettings(), PUBLISHES)


def create_projection(runtime: ServiceRuntime, settings: MetricsSettings) -> Projection:
    """The read model on the runtime's database, with its Prometheus series on the runtime's registry."""
    metrics = ReadModelMetrics(runtime.registry, settings.gauge_districts)
    return Projection(
        ReadModel(runtime.db),
        metrics,
        k=settings.k,
        batch_max_events=settings.batch_max_events,
        batch_linger=settings.batch_linger_seconds,
    )


class _Below(logging.Filter):
    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level


def quiet_access_log(level: str) -> None:
    """Drop FastStream's per-message access log lines below ``level``.

    Metrics consumes every event of the platform: two INFO lines per message would dwarf everything else.
    A filter, because FastStream sets the logger's level itself when the broker starts.
    """
    logger = logging.getLogger("faststream.access.nats")
    for old in [f for f in logger.filters if isinstance(f, _Below)]:
        logger.removeFilter(old)
    logger.addFilter(_Below(logging.getLevelNamesMapping()[level.upper()]))


def create_app(settings: MetricsSettings | None = None) -> FastAPI:
    settings = settings or MetricsSettings()
    runtime = create_runtime(settings)
    quiet_access_log(settings.access_log_level)
    projection = create_projection(runtime, settings)
    runtime.on_startup(lambda: schema.ensure(runtime.db))  # first: never touch a read model of another schema
    runtime.on_startup(projection.repo.ensure_indexes)
    runtime.on_startup(projection.settle)
    runtime.on_startup(projection.refresh_gauges)
    links = ReportLinks(runtime.db, settings.report_link_hours)
    runtime.on_startup(links.ensure_indexes)
    runtime.provide("projection", projection)
    runtime.provide("deadletterer", runtime.deadletterer)  # the batch handler dead-letters invalid events one by one
    for domain in Domain:
        runtime.subscriptions.on_stream(
            domain,
            on_events,
            description=f"Every {domain.value} event, into the read model",
            batch_size=settings.pull_batch,
            fetch_timeout=settings.pull_timeout_seconds,
        )
    runtime.every(settings.recompute_seconds, projection.recompute_job)
    runtime.every(settings.gauge_seconds, projection.refresh_gauges)
    runtime.every(settings.stream_stats_seconds, lambda: read_stream_depths(runtime.broker, projection.metrics))
    app = runtime.http_app(
        router, description="Program, district, school and state figures projected from every service's events."
    )
    app.include_router(public_links)  # the secret in the URL is its credential: no bearer token
    app.state.projection = projection
    app.state.links = links
    app.state.report_base_url = settings.report_base_url.rstrip("/")
    serve = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with serve(app_):
            yield
        await projection.stop()  # after the broker stopped: no handler waits on a group commit any more

    app.router.lifespan_context = lifespan
    return app
