"""Recording and dispatching with in-memory twins of the stores, outbox and mail server: retries and give-up.

The clock is a fake: a retry falls due only when the test moves time past its backoff.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiosmtplib
from prometheus_client import CollectorRegistry

from services.notification.channels import Channels
from services.notification.dispatcher import Dispatcher
from services.notification.domain import Status
from services.notification.metrics import NotificationMetrics
from services.notification.outcomes import Outcomes
from services.notification.people import DistrictSettings
from services.notification.rendering import Renderer
from services.notification.webhook import WebhookSender
from services.notification.workflow import Notifications
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import RelationshipStarted

CONTACTS = {
    "m": {"_id": "m", "name": "Ana Mentor", "email": "ana@example.org", "language": "en"},
    "e": {"_id": "e", "name": "Cleo New", "email": "cleo@example.org", "language": "es"},
}
T0 = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class FakeRepository:
    """The delivery store's conditional updates, in memory."""

    def __init__(self) -> None:
        self.deliveries: dict[str, dict[str, Any]] = {}

    async def contacts_by_id(self, ids: Any) -> dict[str, dict[str, Any]]:
        return {i: CONTACTS[i] for i in ids if i in CONTACTS}

    async def open_delivery(self, doc: dict[str, Any]) -> dict[str, Any]:
        fresh = {"attempts": 0, "seen": 0, "lease_until_ms": 0, "sent_at": None, "error": None}
        record = self.deliveries.setdefault(doc["_id"], {**fresh, **doc})
        record["seen"] += 1
        return dict(record)

    async def due(self, now_ms: int, limit: int) -> list[dict[str, Any]]:
        rows = [r for r in self.deliveries.values() if r["status"] == "pending" and r["due_ms"] <= now_ms]
        return [dict(r) for r in rows if r["lease_until_ms"] <= now_ms][:limit]

    async def claim(self, delivery_id: str, now_ms: int, lease_ms: int) -> dict[str, Any] | None:
        record = self.deliveries[delivery_id]
        if record["status"] != "pending" or record["lease_until_ms"] > now_ms or record["due_ms"] > now_ms:
            return None
        record.update(lease_until_ms=now_ms + lease_ms, attempts=record["attempts"] + 1)
        return dict(record)

    async def retry_at(self, delivery_id: str, due_ms: int, error: str) -> None:
        self.deliveries[delivery_id].update(lease_until_ms=0, due_ms=due_ms, error=error)

    async def finish(self, delivery_id: str, status: Status, at: datetime, *, error: str | None = None) -> Any:
        record = self.deliveries[delivery_id]
        if record["status"] != "pending":
            return None
        record.update(status=status.value, error=error, lease_until_ms=0, sent_at=at if status is Status.SENT else None)
        return dict(record)


class FakePeople:
    async def district(self, district: str, seen_zone: str | None = None) -> DistrictSettings:
        return DistrictSettings(district, seen_zone or "UTC")

    async def preferences_of(self, ids: Any) -> dict[str, Any]:
        return {}


class FakeInbox:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    async def add(self, doc: dict[str, Any]) -> bool:
        return self.items.setdefault(doc["_id"], doc) is doc


class FakeOutbox:
    def __init__(self) -> None:
        self.events: dict[str, Any] = {}

    async def emit(self, events: list[Any]) -> None:
        for event in events:
            self.events.setdefault(event.id, event)


class FlakyMailer:
    """Refuses the first ``failures`` messages to each address, then accepts."""

    def __init__(self, failures: dict[str, int]) -> None:
        self.failures = dict(failures)
        self.sent: list[str] = []

    async def send(self, message: Any) -> None:
        to = str(message["To"])
        if self.failures.get(to, 0) > 0:
            self.failures[to] -= 1
            raise aiosmtplib.SMTPServerDisconnected("server went away")
        self.sent.append(to)


class World:
    def __init__(self, failures: dict[str, int]) -> None:
        self.clock, self.repo, self.outbox, self.inbox = Clock(), FakeRepository(), FakeOutbox(), FakeInbox()
        self.mailer = FlakyMailer(failures)
        metrics = NotificationMetrics(CollectorRegistry())
        people: Any = FakePeople()
        repo: Any = self.repo
        inbox: Any = self.inbox
        sender = "M <no-reply@m.org>"
        channels = Channels(repo, inbox, people, Renderer(), self.mailer, WebhookSender(1.0), sender, self.clock)
        outbox: Any = self.outbox
        outcomes = Outcomes(repo, outbox, metrics, None, (1.0, 5.0), self.clock)  # type: ignore[arg-type]
        self.dispatcher = Dispatcher(repo, channels, outcomes, 20_000, 100, self.clock)
        self.service = Notifications(repo, people, self.dispatcher, metrics, 17, self.clock)

    def outcomes(self, channel: str = "email") -> list[tuple[str, str]]:
        found = [e for e in self.outbox.events.values() if e.data.channel == channel]
        return sorted((e.type.split(".")[-2], e.data.recipient_id) for e in found)

    async def later(self, seconds: float) -> None:
        self.clock.now += timedelta(seconds=seconds)
        await self.dispatcher.dispatch_once()


EVENT = make_event(
    RelationshipStarted(program_id="p", relationship_id="r", mentor_id="m", mentee_id="e", started_at=T0),
    district="D1",
    subject="r",
)


async def test_one_refusing_address_does_not_hold_back_the_other_and_is_retried_after_the_backoff():
    world = World({"cleo@example.org": 1})
    await world.service.record(EVENT)
    assert world.mailer.sent == ["ana@example.org"] and world.outcomes() == [("sent", "m")]
    assert len(world.inbox.items) == 2 and world.outcomes("in_app") == [("sent", "e"), ("sent", "m")]

    await world.later(0.999)  # the first backoff (1 s) has not passed
    assert world.mailer.sent == ["ana@example.org"]
    waiting = world.repo.deliveries[derived_id("delivery", EVENT.id, "e", "email")]
    assert (waiting["status"], waiting["error"]) == ("pending", "SMTPServerDisconnected: server went away")
    await world.later(0.001)
    assert world.mailer.sent == ["ana@example.org", "cleo@example.org"]
    assert world.outcomes() == [("sent", "e"), ("sent", "m")]
    email = world.repo.deliveries[derived_id("delivery", EVENT.id, "e", "email")]
    assert (email["status"], email["attempts"], email["error"]) == ("sent", 2, None)


async def test_the_last_attempt_records_the_failure_and_a_later_duplicate_changes_nothing():
    world = World({"cleo@example.org": 5})
    await world.service.record(EVENT)
    await world.later(1)
    await world.later(5)  # third and last attempt (1 + two backoff steps)
    failed = [e for e in world.outbox.events.values() if e.type.endswith("failed.v1")]
    assert [(e.data.recipient_id, e.data.reason) for e in failed] == [("e", "SMTPServerDisconnected: server went away")]
    assert world.repo.deliveries[derived_id("delivery", EVENT.id, "e", "email")]["status"] == "failed"
    before = len(world.outbox.events)

    await world.later(3600)
    await world.service.record(EVENT)  # a redelivered event: re-announced under the same ids, nothing sent
    assert world.mailer.sent == ["ana@example.org"] and len(world.outbox.events) == before
    assert {r["seen"] for r in world.repo.deliveries.values()} == {2}


async def test_a_held_lease_means_no_second_send():
    world = World({})
    await world.service.record(EVENT)
    sent = list(world.mailer.sent)
    delivery_id = derived_id("delivery", EVENT.id, "m", "email")
    world.repo.deliveries[delivery_id].update(status="pending", lease_until_ms=10**15)  # another worker is sending it
    await world.later(60)
    await world.service.record(EVENT)
    assert world.mailer.sent == sent


async def test_an_unknown_recipient_fails_at_once_without_an_attempt():
    world = World({})
    lost = make_event(
        RelationshipStarted(program_id="p", relationship_id="r2", mentor_id="m", mentee_id="ghost", started_at=T0), "D1", "r2"
    )
    await world.service.record(lost)
    record = world.repo.deliveries[derived_id("delivery", lost.id, "ghost", "email")]
    assert (record["status"], record["attempts"], record["error"]) == ("failed", 0, "no contact on file")
    assert world.outcomes("in_app") == [("sent", "ghost"), ("sent", "m")]  # the inbox needs no address
