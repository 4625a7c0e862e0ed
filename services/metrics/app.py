"""Composition root of the metrics service: consumes every stream, publishes nothing."""

from __future__ import annotations

from fastapi import FastAPI

from shared.contracts.envelope import EventData
from shared.contracts.subjects import Domain
from shared.service import ServiceRuntime

from .api import router
from .handlers import on_event
from .metrics import ReadModelMetrics
from .repository import ReadModel
from .settings import MetricsSettings
from .workflow import Projection

PUBLISHES: tuple[type[EventData], ...] = ()


def create_runtime(settings: MetricsSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime("metrics", settings or MetricsSettings(), PUBLISHES)


def create_app(settings: MetricsSettings | None = None) -> FastAPI:
    runtime = create_runtime(settings)
    repo = ReadModel(runtime.db)
    projection = Projection(repo, ReadModelMetrics(runtime.registry))
    runtime.on_startup(repo.ensure_indexes)
    runtime.on_startup(projection.refresh_all)
    runtime.provide("projection", projection)
    for domain in Domain:
        runtime.subscriptions.on_stream(domain, on_event, description=f"Every {domain.value} event, into the read model")
    app = runtime.http_app(router, description="Program and district figures projected from every service's events.")
    app.state.projection = projection
    return app
