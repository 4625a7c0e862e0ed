"""A running feedback app (called as the test district's coordinator), a JetStream publisher for other services'
events, a collector of what feedback publishes, and a fake clock for its use cases and sweep."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext

from services.feedback.app import create_app
from services.feedback.settings import FeedbackSettings
from shared.auth.principal import Role
from shared.contracts.envelope import CloudEvent, EventData, derived_id, make_event
from shared.contracts.matching import ParticipantEnrolled, RelationshipStarted
from shared.contracts.matching import Role as ParticipantRole
from shared.contracts.subjects import stream_of
from shared.messaging.broker import durable_name
from tests.plugins.services import eventually, running


@dataclass
class Clock:
    """The time every feedback use case and the sweep see; tests move it."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Harness:
    """The running service, called as the coordinator of ``district`` unless a request sends other headers."""

    app: FastAPI
    http: httpx.AsyncClient
    js: JetStreamContext
    district: str
    auth: Callable[..., dict[str, str]]
    clock: Clock
    seen: list[dict[str, Any]] = field(default_factory=list)

    @property
    def db(self) -> Any:
        return self.app.state.runtime.db

    def teacher(self, subject: str, role: Role = Role.MENTOR, district: str | None = None) -> dict[str, str]:
        """Headers of a teacher (their token's subject is their participant id)."""
        return self.auth(role, district or self.district, subject=subject)

    def respondent(self, survey: dict[str, Any]) -> dict[str, str]:
        role = Role.MENTOR if survey["role"] == "mentor" else Role.MENTEE
        return self.teacher(survey["respondent_id"], role)

    async def answer(self, survey: dict[str, Any], answers: dict[str, Any]) -> httpx.Response:
        body = {"answers": answers}
        return await self.http.post(f"/surveys/{survey['id']}/responses", json=body, headers=self.respondent(survey))

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [m for m in self.seen if m["body"]["type"] == event_type]

    def data_of(self, model: type[EventData]) -> list[dict[str, Any]]:
        return [m["body"]["data"] for m in self.of_type(model.kind.type)]

    async def publish(self, env: CloudEvent[Any], msg_id: str | None = None) -> int:
        """Publish as the producing service would; returns the stream sequence."""
        ack = await self.js.publish(env.nats_subject, env.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id or env.id})
        return ack.seq

    def event(self, data: EventData, subject: str, *, time: datetime | None = None) -> CloudEvent[Any]:
        return make_event(data, self.district, subject, derived_id("test", type(data).kind.type, subject), time=time)

    async def handled(self, env: CloudEvent[Any], seq: int) -> None:
        """Wait until feedback's consumer of ``env``'s kind acknowledged stream sequence ``seq``."""
        kind = type(env.data).kind
        consumer = durable_name("feedback", f"{kind.entity}_{kind.action}_v{kind.version}")

        async def done() -> bool:
            info = await self.js.consumer_info(stream_of(kind).name, consumer)
            return info.ack_floor is not None and info.ack_floor.stream_seq >= seq

        await eventually(done)

    async def surveys_of(self, relationship_id: str) -> list[dict[str, Any]]:
        response = await self.http.get("/surveys", params={"relationship_id": relationship_id})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def wait_surveys(self, relationship_id: str, count: int, template: str | None = None) -> list[dict[str, Any]]:
        async def found() -> list[dict[str, Any]] | None:
            surveys = [s for s in await self.surveys_of(relationship_id) if template in (None, s["template"])]
            return surveys if len(surveys) == count else None

        return await eventually(found)  # type: ignore[no-any-return]

    async def start_relationship(self, started_at: datetime | None = None, program_id: str = "P1") -> RelationshipStarted:
        """Publish a RelationshipStarted and wait for its two match-quality surveys."""
        rid = uuid.uuid4().hex
        data = RelationshipStarted(
            program_id=program_id,
            relationship_id=rid,
            mentor_id=f"M{rid[:8]}",
            mentee_id=f"N{rid[:8]}",
            started_at=started_at or self.clock.now,
        )
        await self.publish(self.event(data, rid))
        await self.wait_surveys(rid, 2)
        return data

    async def enrol(self, program_id: str, count: int) -> list[str]:
        """Enrol ``count`` participants in a program (events as matching publishes them); returns their ids."""
        ids = [f"T{uuid.uuid4().hex[:10]}" for _ in range(count)]
        for i, pid in enumerate(ids):
            role = ParticipantRole.MENTOR if i % 2 == 0 else ParticipantRole.MENTEE
            data = ParticipantEnrolled(program_id=program_id, participant_id=pid, role=role, enrolled_at=self.clock.now)
            await self.publish(self.event(data, pid))
        repo = self.app.state.feedback.repo
        await eventually(lambda: _count(repo.people, program_id, count))
        return ids

    async def sweep(self, at: datetime) -> None:
        """Run one sweep at ``at`` (the periodic one is set far apart in these tests)."""
        self.clock.now = at
        await self.app.state.sweep.run()

    def later(self, **delta: float) -> datetime:
        return self.clock.now + timedelta(**delta)


async def _count(collection: Any, program_id: str, count: int) -> bool:
    return await collection.count_documents({"program_id": program_id}) == count  # type: ignore[no-any-return]


@pytest.fixture
async def feedback(service_settings, nats_server, auth) -> AsyncIterator[Harness]:
    settings = FeedbackSettings(**service_settings("feedback", sweep_seconds=3600.0))
    app = create_app(settings)
    clock = Clock()
    for part in ("feedback", "campaigns", "goals", "closures", "sweep"):
        getattr(app.state, part).clock = clock
    nc = await nats.connect(nats_server.url)
    district = f"F{uuid.uuid4().hex[:8]}"
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, district)) as http:
        harness = Harness(app, http, nc.jetstream(), district, auth, clock)

        async def collect(msg: Any) -> None:
            harness.seen.append({"subject": msg.subject, "headers": msg.headers, "body": json.loads(msg.data)})

        await nc.subscribe(f"mentoring.feedback.{district}.>", cb=collect)
        yield harness
    await nc.close()
