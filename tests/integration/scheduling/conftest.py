"""A running scheduling app (called as the test district's coordinator) on a fake clock, a JetStream publisher and a
collector of what scheduling publishes."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import nats.errors
import pytest
from nats.js import JetStreamContext

from services.scheduling.app import create_app
from services.scheduling.settings import SchedulingSettings
from shared.auth.principal import Role
from shared.contracts.envelope import CloudEvent, EventData, derived_id, make_event
from shared.contracts.matching import EndReason, ProgramCreated, ProgramModel, RelationshipEnded, RelationshipStarted
from shared.contracts.subjects import DEADLETTER_STREAM, MATCHING_STREAM, SCHEDULING_STREAM
from shared.messaging.broker import durable_name
from tests.plugins.services import eventually, running

# Monday 3 March 2025, 08:00 UTC: the fake clock's default start, the day before the legacy tests' relationships start.
CLOCK_START = datetime(2025, 3, 3, 8, tzinfo=UTC)


@dataclass
class FakeClock:
    """The time every use-case object of an app reads; tests move it, nothing sleeps."""

    now: datetime = CLOCK_START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def use_clock(app: Any, clock: FakeClock) -> None:
    """Make ``app``'s use cases (planning, lifecycle, sweeps, feeds) read ``clock``."""
    for name in ("scheduling", "planning", "housekeeping", "feeds"):
        getattr(app.state, name).clock = clock


def scheduling_app(settings: dict[str, Any], clock: FakeClock) -> Any:
    """A scheduling app on ``clock`` whose periodic sweep never fires by itself (tests sweep by hand)."""
    app = create_app(SchedulingSettings(**{"sweep_seconds": 3600.0, **settings}))
    use_clock(app, clock)
    return app


@dataclass
class Bus:
    """Publishes matching's events as matching would, and records scheduling's events of one district."""

    js: JetStreamContext
    district: str
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def publish(self, envelope: CloudEvent[Any], msg_id: str | None = None) -> int:
        ack = await self.js.publish(
            envelope.nats_subject, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id or envelope.id}
        )
        return ack.seq

    def event(self, data: EventData, subject: str) -> CloudEvent[Any]:
        return make_event(
            data,
            district=self.district,
            subject=subject,
            event_id=derived_id("test", type(data).kind.type, subject),
        )

    def started(
        self,
        relationship_id: str,
        started_at: datetime,
        mentor: str = "mentor-1",
        mentee: str = "mentee-1",
        program: str = "prog-1",
    ):
        data = RelationshipStarted(
            program_id=program, relationship_id=relationship_id, mentor_id=mentor, mentee_id=mentee, started_at=started_at
        )
        return self.event(data, relationship_id)

    def program(self, program_id: str, model: ProgramModel = ProgramModel.ONE_TO_ONE):
        return self.event(ProgramCreated(program_id=program_id, model=model), program_id)

    def ended(self, relationship_id: str, ended_at: datetime, mentor: str = "mentor-1", mentee: str = "mentee-1"):
        data = RelationshipEnded(
            program_id="prog-1",
            relationship_id=relationship_id,
            mentor_id=mentor,
            mentee_id=mentee,
            ended_at=ended_at,
            reason=EndReason.EARLY_MISMATCH,
        )
        return self.event(data, relationship_id)

    async def processed(self, kind: str, seq: int) -> None:
        """Wait until scheduling's durable consumer has acknowledged stream sequence ``seq``."""

        async def done() -> bool:
            info = await self.js.consumer_info(MATCHING_STREAM.name, durable_name("scheduling", kind))
            return info.ack_floor.stream_seq >= seq and info.num_ack_pending == 0

        await eventually(done)

    async def dead_letters(self) -> int:
        """Messages any consumer gave up on (a handler that failed instead of doing nothing shows here)."""
        return (await self.js.stream_info(DEADLETTER_STREAM.name)).state.messages

    def of_type(self, action: str, entity: str = "meeting") -> list[dict[str, Any]]:
        return [m for m in self.seen if m["subject"].endswith(f".{entity}.{action}.v1")]


@pytest.fixture
async def bus(nats_server) -> AsyncIterator[Bus]:
    nc = await nats.connect(nats_server.url)
    bus = Bus(nc.jetstream(), district=f"S{uuid.uuid4().hex[:8]}")

    async def collect(msg) -> None:
        bus.seen.append({"subject": msg.subject, "headers": msg.headers or {}, "body": json.loads(msg.data)})

    await nc.subscribe(f"mentoring.scheduling.{bus.district}.>", cb=collect)
    yield bus
    await nc.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def app(service_settings, clock: FakeClock) -> Any:
    return scheduling_app(service_settings("scheduling"), clock)


@pytest.fixture
async def http(app, auth, bus: Bus) -> AsyncIterator[httpx.AsyncClient]:
    """The service, called as the coordinator of ``bus.district`` unless a request sends other headers."""
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, bus.district)) as client:
        yield client


async def on_stream(js: JetStreamContext, kind: str) -> list[dict[str, Any]]:
    """Every envelope of ``kind`` (e.g. ``reminder.due``) stored on the SCHEDULING stream, with its Nats-Msg-Id."""
    sub = await js.pull_subscribe(f"mentoring.scheduling.*.{kind}.v1", stream=SCHEDULING_STREAM.name)
    found: list[dict[str, Any]] = []
    try:
        while True:
            try:
                batch = await sub.fetch(100, timeout=0.5)
            except (TimeoutError, nats.errors.TimeoutError):  # nats-py raises either when nothing is left
                break
            for msg in batch:
                found.append({"msg_id": (msg.headers or {}).get("Nats-Msg-Id"), "body": json.loads(msg.data)})
                await msg.ack()
    finally:
        await sub.unsubscribe()
    return found
