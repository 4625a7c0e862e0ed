"""The shared messaging policy on a real nats-server: retry with backoff, dead letters, shared durables, outbox relay."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import nats
import pytest
from fastapi import APIRouter
from faststream import Context
from faststream.nats.annotations import NatsMessage

from shared.contracts.envelope import CloudEvent, make_event
from shared.contracts.matching import RelationshipStarted
from shared.service import ServiceRuntime
from shared.settings import ServiceSettings
from tests.plugins.services import eventually, running


class Calls:
    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.seen: list[tuple[str, int, float]] = []

    async def handle(self, event: CloudEvent[RelationshipStarted], delivered: int) -> None:
        self.seen.append((event.data.relationship_id, delivered, asyncio.get_running_loop().time()))
        if len(self.seen) <= self.fail_first:
            raise RuntimeError(f"transient failure {len(self.seen)}")


async def on_started(event: CloudEvent[RelationshipStarted], calls: Annotated[Calls, Context("calls")], msg: NatsMessage) -> None:
    """Test handler: records each delivery and fails the first N."""
    await calls.handle(event, msg.raw_message.metadata.num_delivered)


def probe_app(settings: dict[str, Any], calls: Calls, name: str = "probe") -> Any:
    runtime = ServiceRuntime(name, ServiceSettings(**settings), [RelationshipStarted])
    runtime.provide("calls", calls)
    runtime.subscriptions.on(RelationshipStarted.kind, on_started)
    return runtime.http_app(APIRouter(), description="probe")


def started(relationship_id: str) -> CloudEvent[RelationshipStarted]:
    data = RelationshipStarted(
        program_id="p1", relationship_id=relationship_id, mentor_id="m1", mentee_id="e1", started_at=datetime.now(UTC)
    )
    return make_event(data, district="D1", subject=relationship_id)


async def publish(url: str, subject: str, body: bytes, msg_id: str) -> None:
    nc = await nats.connect(url)
    await nc.jetstream().publish(subject, body, headers={"Nats-Msg-Id": msg_id})
    await nc.close()


async def dead_letters(url: str, count: int) -> list[dict[str, Any]]:
    nc = await nats.connect(url)
    sub = await nc.jetstream().pull_subscribe("mentoring.deadletter.>", stream="DEADLETTER")
    msgs = await sub.fetch(count, timeout=10)
    await nc.close()
    return [json.loads(m.data) for m in msgs]


async def test_failed_delivery_is_redelivered_after_backoff(service_settings, nats_server):
    calls = Calls(fail_first=2)
    async with running(probe_app(service_settings("probe", retry_backoff_seconds=[0.3, 0.6]), calls)):
        event = started("r1")
        await publish(nats_server.url, event.nats_subject, event.model_dump_json().encode(), event.id)
        await eventually(lambda: len(calls.seen) == 3)
    assert [d for _, d, _ in calls.seen] == [1, 2, 3]
    gaps = [b[2] - a[2] for a, b in zip(calls.seen, calls.seen[1:], strict=False)]
    assert gaps[0] >= 0.25 and gaps[1] >= 0.5, gaps


async def test_exhausted_deliveries_are_dead_lettered_with_reason(service_settings, nats_server):
    calls = Calls(fail_first=100)
    async with running(probe_app(service_settings("probe", max_deliver=3, retry_backoff_seconds=[0.05]), calls)):
        event = started("r2")
        await publish(nats_server.url, event.nats_subject, event.model_dump_json().encode(), event.id)
        [letter] = await dead_letters(nats_server.url, 1)
    assert len(calls.seen) == 3
    assert letter["reason"] == "deliveries_exhausted"
    assert "transient failure 3" in letter["detail"]
    assert letter["durable"] == "probe__relationship_started_v1"
    assert json.loads(letter["payload"])["id"] == event.id


async def test_invalid_payload_is_dead_lettered_at_once_without_calling_the_handler(service_settings, nats_server):
    calls = Calls()
    async with running(probe_app(service_settings("probe"), calls)):
        bad = started("r3").model_dump(mode="json")
        bad["data"]["mentor_id"] = "has spaces and !"
        await publish(nats_server.url, "mentoring.matching.D1.relationship.started.v1", json.dumps(bad).encode(), "bad-1")
        [letter] = await dead_letters(nats_server.url, 1)
    assert calls.seen == []
    assert letter["reason"] == "invalid_payload" and letter["deliveries"] == 1
    assert "data.mentor_id" in letter["detail"]


async def test_replicas_with_one_durable_share_the_work(service_settings, nats_server):
    first, second = Calls(), Calls()
    settings = service_settings("probe")
    async with running(probe_app(settings, first)), running(probe_app(settings, second)):
        for i in range(30):
            event = started(f"share-{i}")
            await publish(nats_server.url, event.nats_subject, event.model_dump_json().encode(), event.id)
        await eventually(lambda: len(first.seen) + len(second.seen) >= 30)
        await asyncio.sleep(0.5)  # a duplicate delivery would show up here
    handled = sorted(r for r, _, _ in first.seen + second.seen)
    assert handled == sorted(f"share-{i}" for i in range(30))


async def test_outbox_relay_publishes_events_a_dead_process_left_behind(service_settings, nats_server):
    settings = service_settings("probe", outbox_relay_seconds=0.2)
    app = probe_app(settings, Calls())
    runtime: ServiceRuntime = app.state.runtime
    event = started("left-behind")
    await runtime.outbox.collection.insert_one(
        {
            "_id": event.id,
            "type": event.type,
            "subject": event.nats_subject,
            "body": event.model_dump(mode="json"),
            "created_at": datetime.now(UTC) - timedelta(minutes=1),
            "published": False,
        }
    )
    nc = await nats.connect(nats_server.url)
    got: list[Any] = []

    async def collect(msg: Any) -> None:
        got.append(msg)

    await nc.subscribe(event.nats_subject, cb=collect)
    async with running(app):
        await eventually(lambda: got)
        await eventually(lambda: runtime.outbox.collection.find_one({"_id": event.id, "published": True}))
    await nc.close()
    assert got[0].headers["Nats-Msg-Id"] == event.id


@pytest.mark.parametrize("district", ["D1", "north-42"])
async def test_outside_subscriber_gets_only_its_districts_relationship_events(service_settings, nats_server, district):
    app = probe_app(service_settings("probe"), Calls())
    runtime: ServiceRuntime = app.state.runtime
    nc = await nats.connect(nats_server.url)
    got: list[str] = []

    async def collect(msg: Any) -> None:
        got.append(json.loads(msg.data)["district"])

    await nc.subscribe(f"mentoring.matching.{district}.relationship.>", cb=collect)
    async with running(app):
        for d in (district, "OTHER"):
            data = RelationshipStarted(
                program_id="p", relationship_id=f"r-{d}", mentor_id="a", mentee_id="b", started_at=datetime.now(UTC)
            )
            await runtime.outbox.emit([make_event(data, district=d, subject=f"r-{d}")])
        await eventually(lambda: got)
        await asyncio.sleep(0.3)
    await nc.close()
    assert got == [district]
