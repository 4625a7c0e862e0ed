"""Batch subscriptions (``Subscriptions.on_stream``) on a real nats-server: partial batches, per-message settling."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Annotated, Any

import nats
from fastapi import APIRouter
from faststream import Context
from faststream.nats.message import NatsBatchMessage
from pydantic import ValidationError

from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import RelationshipStarted
from shared.contracts.subjects import Domain
from shared.messaging.deadletter import DeadLetterer
from shared.service import ServiceRuntime
from shared.settings import ServiceSettings
from tests.integration.messaging.test_delivery_policy import publish, started
from tests.plugins.services import eventually, running


class Batches:
    """Records each batch; fails (raises after acknowledging the others) the ids in ``failing``."""

    def __init__(self, tag: str, failing: frozenset[str] = frozenset()) -> None:
        self.tag = tag
        self.failing = failing
        self.calls: list[tuple[float, list[tuple[str, int]]]] = []  # (time, [(relationship, delivery)])

    def ours(self) -> list[tuple[str, int]]:
        return [item for _, batch in self.calls for item in batch]


async def on_batch(
    bodies: list[bytes],
    message: Annotated[NatsBatchMessage, Context("message")],
    batches: Annotated[Batches, Context("batches")],
    deadletterer: Annotated[DeadLetterer, Context("deadletterer")],
) -> None:
    """Test handler: the batch's relationships of this test; dead-letters invalid ones, fails those it is told to."""
    seen, failed = [], False
    for raw, body in zip(message.raw_message, bodies, strict=True):
        try:
            event = CloudEvent[RelationshipStarted].model_validate_json(body)
        except ValidationError as exc:
            await deadletterer.reject(raw, exc)
            continue
        if not event.data.relationship_id.startswith(batches.tag):
            continue  # another test's event on the shared stream
        seen.append((event.data.relationship_id, raw.metadata.num_delivered))
        if event.data.relationship_id in batches.failing:
            failed = True
        else:
            await raw.ack()
    if seen:
        batches.calls.append((asyncio.get_running_loop().time(), seen))
    if failed:
        raise RuntimeError("one event of the batch failed")


async def letter_about(url: str, text: str) -> dict[str, Any]:
    """The dead letter whose payload contains ``text`` (other tests' letters share the stream)."""

    async def find() -> dict[str, Any] | None:
        nc = await nats.connect(url)
        try:
            sub = await nc.jetstream().pull_subscribe("mentoring.deadletter.>", stream="DEADLETTER")
            letters = await sub.fetch(1000, timeout=1)
        except nats.errors.TimeoutError:
            letters = []
        finally:
            await nc.close()
        return next((json.loads(m.data) for m in letters if text in json.loads(m.data)["payload"]), None)

    return await eventually(find)


def batch_app(settings: dict[str, Any], batches: Batches, name: str, batch_size: int = 50) -> Any:
    runtime = ServiceRuntime(name, ServiceSettings(**settings), [])
    runtime.provide("batches", batches)
    runtime.provide("deadletterer", runtime.deadletterer)
    runtime.subscriptions.on_stream(Domain.MATCHING, on_batch, batch_size=batch_size, fetch_timeout=0.2)
    return runtime.http_app(APIRouter(), description="batch probe")


async def test_a_partial_batch_is_handed_over_when_the_fetch_times_out(service_settings, nats_server):
    """Three events, a batch of 50: they arrive together after the fetch timeout, not after ``ack_wait``."""
    tag = f"part-{uuid.uuid4().hex[:6]}-"
    batches = Batches(tag)
    name = f"probe{uuid.uuid4().hex[:6]}"
    async with running(batch_app(service_settings(name, ack_wait_seconds=30), batches, name)):
        sent = asyncio.get_running_loop().time()
        for i in range(3):
            event = started(f"{tag}{i}")
            await publish(nats_server.url, event.nats_subject, event.model_dump_json().encode(), event.id)
        await eventually(lambda: len(batches.ours()) >= 3, timeout=5)
        await asyncio.sleep(0.5)  # a redelivery would show up here
    assert sorted(batches.ours()) == [(f"{tag}{i}", 1) for i in range(3)]
    assert batches.calls[-1][0] - sent < 3


async def test_only_the_failing_event_of_a_batch_is_redelivered_then_dead_lettered(service_settings, nats_server):
    tag = f"fail-{uuid.uuid4().hex[:6]}-"
    batches = Batches(tag, failing=frozenset({f"{tag}bad"}))
    name = f"probe{uuid.uuid4().hex[:6]}"
    settings = service_settings(name, max_deliver=3, retry_backoff_seconds=[0.05])
    async with running(batch_app(settings, batches, name)):
        for rel in (f"{tag}a", f"{tag}bad", f"{tag}b"):
            event = started(rel)
            await publish(nats_server.url, event.nats_subject, event.model_dump_json().encode(), event.id)
        letter = await letter_about(nats_server.url, f"{tag}bad")
        await asyncio.sleep(0.5)
    deliveries = sorted(batches.ours())
    assert deliveries == [(f"{tag}a", 1), (f"{tag}b", 1), (f"{tag}bad", 1), (f"{tag}bad", 2), (f"{tag}bad", 3)]
    assert letter["reason"] == "deliveries_exhausted" and letter["deliveries"] == 3
    assert json.loads(letter["payload"])["data"]["relationship_id"] == f"{tag}bad"


async def test_an_invalid_event_of_a_batch_is_dead_lettered_alone(service_settings, nats_server):
    tag = f"inv-{uuid.uuid4().hex[:6]}-"
    batches = Batches(tag)
    name = f"probe{uuid.uuid4().hex[:6]}"
    async with running(batch_app(service_settings(name), batches, name)):
        bad = started(f"{tag}x").model_dump(mode="json")
        bad["data"]["mentor_id"] = "has spaces and !"
        await publish(nats_server.url, "mentoring.matching.D1.relationship.started.v1", json.dumps(bad).encode(), bad["id"])
        good = started(f"{tag}ok")
        await publish(nats_server.url, good.nats_subject, good.model_dump_json().encode(), good.id)
        await eventually(lambda: batches.ours() == [(f"{tag}ok", 1)])
        letter = await letter_about(nats_server.url, bad["id"])
    assert letter["reason"] == "invalid_payload" and "data.mentor_id" in letter["detail"]


async def test_a_pull_that_runs_out_of_time_raises_the_nats_timeout_error(nats_server):
    """The error FastStream's batch loop catches, also where nats-py raises the builtin one (a nearly spent timeout)."""
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    stream = f"T{uuid.uuid4().hex[:8]}"
    await js.add_stream(name=stream, subjects=[f"{stream}.>"])
    sub = await js.pull_subscribe(f"{stream}.>", durable="d", stream=stream)
    raised = []
    for timeout in (0.0001, 0.0002) * 5:
        try:
            await sub.fetch(5, timeout=timeout)
        except TimeoutError as exc:
            raised.append(type(exc))
    await js.delete_stream(stream)
    await nc.close()
    assert raised and set(raised) == {nats.errors.TimeoutError}
