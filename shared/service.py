"""The composition kit each service's ``create_app`` uses: broker, store, outbox, metrics and HTTP.

Nothing here connects at import time or at construction; ``start`` does, from the HTTP lifespan.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from faststream.specification import AsyncAPI
from prometheus_client import CollectorRegistry

from shared.audit import AuditLog, audit_router
from shared.auth.http import authenticator
from shared.auth.tokens import TokenConfig, TokenVerifier
from shared.contracts.envelope import EventData
from shared.messaging.broker import Subscriptions, declare_publishers, declare_streams, make_broker
from shared.messaging.deadletter import AdvisoryDeadLetterer, DeadLetterer
from shared.messaging.outbox import Outbox
from shared.messaging.policy import RetryPolicy
from shared.observability.http import health_router
from shared.observability.limits import BodySizeLimit
from shared.settings import ServiceSettings
from shared.storage.mongo import make_client, ping

log = logging.getLogger(__name__)
API_VERSION = "1.0.0"


class ServiceRuntime:
    """Everything one service process owns. Handlers read their dependencies from the broker context."""

    def __init__(self, name: str, settings: ServiceSettings, publishes: Sequence[type[EventData]]) -> None:
        self.name = name
        self.settings = settings
        self.policy = RetryPolicy(settings.max_deliver, tuple(settings.retry_backoff_seconds), settings.ack_wait_seconds)
        self.registry = CollectorRegistry()
        self.deadletterer = DeadLetterer(name, self.policy)
        self.broker = make_broker(name, settings.nats_url, self.registry, self.deadletterer)
        self.subscriptions = Subscriptions(name, self.policy)
        self.publishers = declare_publishers(self.subscriptions.router, publishes)
        self.mongo = make_client(settings.mongodb_url)
        self.db = self.mongo[settings.database or f"mentoring_{name}"]
        self.outbox = Outbox(self.db["outbox"], self.publishers)
        self.audit = AuditLog(self.db["audit"], name)
        self._advisories = AdvisoryDeadLetterer(self.deadletterer, self.subscriptions.durables)
        self._verifier: TokenVerifier | None = None
        self._startup: list[Callable[[], Awaitable[None]]] = [self.outbox.ensure_indexes, self.audit.ensure_indexes]
        self._periodic: list[tuple[float, Callable[[], Awaitable[None]]]] = []
        self._tasks: list[asyncio.Task[None]] = []

    def provide(self, key: str, value: Any) -> None:
        """Make ``value`` available to handlers as ``Context(key)``."""
        self.broker.context.set_global(key, value)

    def on_startup(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook`` (e.g. index creation) before the broker starts consuming."""
        self._startup.append(hook)

    def every(self, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        """Run ``job`` every ``seconds`` while the service runs (first run one period after start; a run that takes
        longer than the period is followed at once by the next).

        Every replica runs it: ``job`` must be safe to run concurrently (conditional updates, derived ids).
        A failing run is logged and the next one still happens.
        """
        self._periodic.append((seconds, job))

    async def _repeat(self, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        """Runs start ``seconds`` apart (a run that took longer is followed at once by the next, never by several)."""
        loop = asyncio.get_running_loop()
        due = loop.time() + seconds
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            started = loop.time()
            due = due + seconds if due + seconds > started else started + seconds  # late: a period from now
            try:
                await job()
            except Exception:
                log.exception("periodic job %s failed", getattr(job, "__qualname__", job))

    @property
    def verifier(self) -> TokenVerifier:
        if self._verifier is None:
            raise RuntimeError("the service has not started: no token verifier yet")
        return self._verifier

    async def start(self) -> None:
        # Fails start-up when no key is configured: no API is ever served unauthenticated.
        self._verifier = TokenVerifier(
            TokenConfig(
                issuer=self.settings.auth_issuer,
                audience=self.settings.auth_audience,
                public_key_file=self.settings.auth_public_key_file,
                jwks_file=self.settings.auth_jwks_file,
            )
        )
        for hook in self._startup:
            await hook()
        await self.broker.connect()
        await declare_streams(self.broker)
        await self.broker.start()
        await self._advisories.start(self.broker)
        self.outbox.start_relay(self.settings.outbox_relay_seconds)
        self._tasks = [asyncio.create_task(self._repeat(seconds, job)) for seconds, job in self._periodic]
        log.info("%s service started", self.name)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.outbox.stop_relay()
        await self._advisories.stop()
        await self.broker.stop()
        await self.mongo.close()

    async def _nats_ok(self) -> None:
        if not await self.broker.ping(timeout=2.0):
            raise ConnectionError("not connected to NATS")

    async def _store_ok(self) -> None:
        await ping(self.mongo)

    def http_app(self, api: APIRouter, *, description: str) -> FastAPI:
        """The service's HTTP app; its lifespan starts and stops the runtime."""
        self.broker.include_router(self.subscriptions.router)

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        app = FastAPI(title=f"Mentoring {self.name} service", version=API_VERSION, description=description, lifespan=lifespan)
        app.state.runtime = self
        app.add_middleware(BodySizeLimit, max_bytes=self.settings.max_body_bytes)
        app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
        # /health and /metrics are the only open routes; everything else needs a valid bearer token.
        app.include_router(health_router({"nats": self._nats_ok, "store": self._store_ok}, self.registry))
        authenticated = [Depends(authenticator(lambda: self.verifier))]
        app.include_router(api, dependencies=authenticated)
        app.include_router(audit_router(self.audit), dependencies=authenticated)
        return app

    def asyncapi(self) -> AsyncAPI:
        return AsyncAPI(self.broker, title=f"Mentoring {self.name} service events", version=API_VERSION)


async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field and reason, without echoing the input back.

    FastAPI's default handler returns each offending input; a NaN there cannot be serialised (a 500),
    and echoing what a caller sent is no help to them anyway.
    """
    errors = [{k: v for k, v in error.items() if k != "input"} for error in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)
