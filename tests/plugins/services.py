"""Run a service's app in-process against the real servers, or as its own process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from devstack.servers import Process


@asynccontextmanager
async def running(app: FastAPI, headers: dict[str, str] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan (broker, store, relay) and give an HTTP client bound to it.

    ``headers`` (e.g. ``auth(Role.DISTRICT_COORDINATOR, "D1")``) are sent with every request.
    """
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service", headers=headers) as client:
            yield client


@pytest.fixture
def service_settings(nats_server: Process, mongo_url: str, dev_keys: tuple[Any, Any]) -> Callable[..., dict[str, Any]]:
    """Keyword arguments for a service's settings: fresh database, fast retries for tests.

    ``nats_url`` connects as the service's own NATS user, so its permissions are exercised; a name with no
    user (a test's probe service) gets the all-rights ``test`` user.
    """
    run = uuid.uuid4().hex[:8]

    def make(name: str, **overrides: Any) -> dict[str, Any]:
        return {
            "nats_url": nats_server.urls.get(name, nats_server.url),
            "mongodb_url": mongo_url,
            "database": f"t{run}_{name}",
            "max_deliver": 3,
            "retry_backoff_seconds": [0.1, 0.2],
            "outbox_relay_seconds": 0.5,
            "auth_public_key_file": dev_keys[1],
            **overrides,
        }

    return make


async def eventually(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Await ``check()`` until it returns a truthy value; fail with the last value after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)
