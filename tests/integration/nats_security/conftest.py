"""Helpers for the NATS permission tests: connections that record the server's permission errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import nats
import pytest
from nats.aio.client import Client
from nats.js.api import StreamConfig

from shared.messaging.broker import ALL_STREAMS
from tests.plugins.services import eventually


@dataclass
class Watched:
    """A connection and the permission errors the server reported to it."""

    nc: Client
    errors: list[str] = field(default_factory=list)

    async def refused(self, what: str, subject: str) -> None:
        """Wait until the server reported a violation for ``what`` ("publish"/"subscription") to ``subject``."""
        expected = f'permissions violation for {what} to "{subject.lower()}"'
        await self.nc.flush()
        await eventually(lambda: any(expected in e for e in self.errors), timeout=5)


Connect = Callable[..., Awaitable[Watched]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """``await connect(url, inbox="_INBOX")`` -> a watched connection, closed after the test."""
    opened: list[Watched] = []

    async def make(url: str, inbox: str = "_INBOX") -> Watched:
        errors: list[str] = []

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc).lower())

        watched = Watched(await nats.connect(url, error_cb=on_error, allow_reconnect=False, inbox_prefix=inbox), errors)
        opened.append(watched)
        return watched

    yield make
    for watched in opened:
        await watched.nc.close()


async def create_streams(url: str, inbox: str = "_INBOX") -> None:
    """Every mentoring stream, as the services declare them."""
    nc = await nats.connect(url, inbox_prefix=inbox)
    js = nc.jetstream()
    for stream in ALL_STREAMS:
        await js.add_stream(StreamConfig(name=stream.name, subjects=list(stream.subjects)))
    await nc.close()


async def stored_messages(admin_url: str) -> dict[str, int]:
    """How many messages each mentoring stream holds."""
    nc = await nats.connect(admin_url)
    js = nc.jetstream()
    counts = {stream.name: (await js.stream_info(stream.name)).state.messages for stream in ALL_STREAMS}
    await nc.close()
    return counts
