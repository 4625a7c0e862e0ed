"""District webhooks against a real local HTTP server: signed bodies without names, retries, dead letters.

The receiver is an ``asyncio.start_server`` HTTP server on a free loopback port (receiver.py); it checks
each body's HMAC-SHA256 signature with the secret the coordinator configured.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.notification.app import create_app
from services.notification.settings import NotificationSettings
from shared.contracts.envelope import make_event
from shared.contracts.matching import RelationshipStarted
from shared.contracts.subjects import DEADLETTER_STREAM
from tests.integration.notification.conftest import roster
from tests.integration.notification.receiver import WebhookReceiver
from tests.plugins.services import eventually, running

SECRET = "s3cret-for-district-webhooks"
DEAD_LETTERS = "mentoring.deadletter.notification.webhook"


@pytest.fixture
async def receiver():
    server = await WebhookReceiver().start()
    yield server
    await server.stop()


def settings(service_settings, mail_sink, **overrides):
    fast = {"smtp_port": mail_sink.port, "dispatch_seconds": 0.05, "delivery_backoff_seconds": [0.05, 0.05, 0.05]}
    return NotificationSettings(**service_settings("notification", **{**fast, **overrides}))


def started(world, mentor, mentee):
    data = RelationshipStarted(
        program_id="prog-1",
        relationship_id=f"r-{world.tag}",
        mentor_id=world.pid(mentor),
        mentee_id=world.pid(mentee),
        started_at=datetime(2025, 10, 14, 15, 30, tzinfo=UTC),
    )
    return make_event(data, district=world.district, subject=data.relationship_id)


async def test_every_notification_is_posted_signed_and_without_personal_data(
    service_settings, coordinator, mail_sink, world, bus, receiver
):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee")
    async with running(create_app(settings(service_settings, mail_sink)), headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(ana, cleo))
        put = await http.put(f"/districts/{world.district}/webhook", json={"url": receiver.url, "secret": SECRET})
        assert put.status_code == 200, put.text
        shown = (await http.get(f"/districts/{world.district}/webhook")).json()
        assert shown["url"] == receiver.url and shown["secret_set"] is True and SECRET not in json.dumps(shown)
        event = started(world, ana, cleo)
        await bus.publish(event)

        posts = await eventually(lambda: len(receiver.requests) == 2 and receiver.requests)
        assert all(p.method == "POST" and p.path == "/hooks/mentoring" and p.signed_with(SECRET) for p in posts)
        assert not any(p.signed_with("another-secret-of-16+") for p in posts)
        bodies = [json.loads(p.body) for p in posts]
        assert {b["recipient_id"] for b in bodies} == {world.pid(ana), world.pid(cleo)}
        assert {(b["kind"], b["cause_event_id"], b["district"]) for b in bodies} == {
            ("relationship_started", event.id, world.district)
        }
        assert {p.headers["x-mentoring-delivery"] for p in posts} == {b["delivery_id"] for b in bodies}
        raw = b"".join(p.body for p in posts).decode()
        assert not [s for s in ("Ana", "Cleo", "Mentor", "@", ana.email) if s in raw], raw
        sent = await eventually(lambda: len(bus.events("sent", "webhook")) == 2 and bus.events("sent", "webhook"))
        assert {e["data"]["notification_id"] for e in sent} == {b["delivery_id"] for b in bodies}

        # A redelivered event posts nothing again.
        seq = await bus.publish(event, msg_id=f"again-{event.id}")
        await bus.settled(RelationshipStarted.kind, seq)
        assert len(receiver.requests) == 2
        refused = await http.put(f"/districts/{world.district}/webhook", json={"url": "ftp://example.org/x", "secret": SECRET})
        assert refused.status_code == 422 and "url" in refused.text
        short = await http.put(f"/districts/{world.district}/webhook", json={"url": receiver.url, "secret": "short"})
        assert short.status_code == 422 and "secret" in short.text


async def test_a_failing_endpoint_ends_in_a_dead_letter_and_a_notification_failed_event(
    service_settings, coordinator, mail_sink, world, bus, receiver
):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee")
    receiver.status = 500
    async with running(create_app(settings(service_settings, mail_sink)), headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(ana, cleo))
        await http.put(f"/districts/{world.district}/webhook", json={"url": receiver.url, "secret": SECRET})
        event = started(world, ana, cleo)
        await bus.publish(event)

        failed = await eventually(lambda: len(bus.events("failed")) == 2 and bus.events("failed"))
        assert {e["data"]["channel"] for e in failed} == {"webhook"}
        assert all(e["data"]["reason"] == "WebhookError: the webhook answered HTTP 500" for e in failed)
        assert len(receiver.requests) == 2 * 4  # 1 + len(delivery_backoff_seconds) attempts each
        by_delivery: dict[str, set[bytes]] = {}
        for post in receiver.requests:  # every retry is the same body, signature and delivery id
            assert post.signed_with(SECRET)
            by_delivery.setdefault(post.headers["x-mentoring-delivery"], set()).add(post.body)
        assert set(by_delivery) == {e["data"]["notification_id"] for e in failed}
        assert all(len(bodies) == 1 for bodies in by_delivery.values())

        async def dead_letters():
            info = await bus.js.stream_info(DEADLETTER_STREAM.name, subjects_filter=DEAD_LETTERS)
            return (info.state.subjects or {}).get(DEAD_LETTERS, 0) == 2

        await eventually(dead_letters)
        letter = json.loads((await bus.js.get_last_msg(DEADLETTER_STREAM.name, DEAD_LETTERS)).data)
        assert letter["service"] == "notification" and letter["durable"] == "webhook" and letter["deliveries"] == 4
        assert letter["reason"] == "deliveries_exhausted" and "HTTP 500" in letter["detail"]
        assert letter["stream"] == "MATCHING" and letter["subject"].endswith(".relationship.started.v1")
        assert json.loads(letter["payload"])["delivery_id"] in by_delivery
        log = await http.get(f"/people/{world.pid(ana)}/deliveries")
        hook = next(d for d in log.json() if d["channel"] == "webhook")
        assert (hook["status"], hook["attempts"]) == ("failed", 4)
        assert len(bus.events("sent", "email")) == 2  # the other channels are not held back
        metrics = (await http.get("/metrics")).text
        assert 'mentoring_notifications_failed_total{channel="webhook",kind="relationship_started"} 2.0' in metrics
