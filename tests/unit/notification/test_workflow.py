"""The delivery use case with in-memory twins of the store, outbox and mail server: retries and give-up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiosmtplib
import pytest
from prometheus_client import CollectorRegistry

from services.notification.domain import Status
from services.notification.metrics import NotificationMetrics
from services.notification.rendering import Renderer
from services.notification.workflow import Notifications, TransientDeliveryError
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import RelationshipStarted
from shared.messaging.policy import RetryPolicy

CONTACTS = {
    "m": {"_id": "m", "name": "Ana Mentor", "email": "ana@example.org", "language": "en"},
    "e": {"_id": "e", "name": "Cleo New", "email": "cleo@example.org", "language": "en"},
}


class FakeRepository:
    def __init__(self, contacts: dict[str, dict[str, Any]]) -> None:
        self.contacts = contacts
        self.deliveries: dict[str, dict[str, Any]] = {}

    async def contacts_by_id(self, ids: Any) -> dict[str, dict[str, Any]]:
        return {i: self.contacts[i] for i in ids if i in self.contacts}

    async def open_delivery(self, doc: dict[str, Any]) -> dict[str, Any]:
        record = self.deliveries.setdefault(
            doc["_id"], {**doc, "status": "pending", "attempts": 0, "seen": 0, "lease_until_ms": 0, "error": None}
        )
        record["seen"] += 1
        return dict(record)

    async def claim(self, delivery_id: str, now_ms: int, lease_ms: int) -> dict[str, Any] | None:
        record = self.deliveries[delivery_id]
        if record["status"] != "pending" or record["lease_until_ms"] > now_ms:
            return None
        record.update(lease_until_ms=now_ms + lease_ms, attempts=record["attempts"] + 1)
        return dict(record)

    async def release(self, delivery_id: str, error: str) -> None:
        self.deliveries[delivery_id].update(lease_until_ms=0, error=error)

    async def finish(self, delivery_id: str, status: Status, *, error: str | None = None) -> dict[str, Any] | None:
        record = self.deliveries[delivery_id]
        if record["status"] != "pending":
            return None
        record.update(status=status.value, error=error, lease_until_ms=0)
        return dict(record)


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


def service(mailer: FlakyMailer, contacts: dict[str, Any] = CONTACTS) -> tuple[Notifications, FakeRepository, FakeOutbox]:
    repo, outbox = FakeRepository(contacts), FakeOutbox()
    svc = Notifications(
        repo,
        outbox,
        NotificationMetrics(CollectorRegistry()),
        Renderer(),
        mailer,  # type: ignore[arg-type]
        "Mentoring <no-reply@mentoring.local>",
        RetryPolicy(max_deliver=3),
    )
    return svc, repo, outbox


EVENT = make_event(
    RelationshipStarted(
        program_id="p", relationship_id="r", mentor_id="m", mentee_id="e", started_at=datetime(2025, 10, 1, tzinfo=UTC)
    ),
    district="D1",
    subject="r",
)


def outcomes(outbox: FakeOutbox) -> list[tuple[str, str]]:
    return sorted((e.type.split(".")[-2], e.data.recipient_id) for e in outbox.events.values())


async def test_one_refusing_address_does_not_hold_back_the_other_and_is_retried():
    mailer = FlakyMailer({"cleo@example.org": 1})
    svc, repo, outbox = service(mailer)
    with pytest.raises(TransientDeliveryError, match="SMTPServerDisconnected"):
        await svc.notify(EVENT, num_delivered=1)
    assert mailer.sent == ["ana@example.org"]
    assert outcomes(outbox) == [("sent", "m")]

    await svc.notify(EVENT, num_delivered=2)  # the redelivery sends only what is missing
    assert mailer.sent == ["ana@example.org", "cleo@example.org"]
    assert outcomes(outbox) == [("sent", "e"), ("sent", "m")]
    assert sorted(r["attempts"] for r in repo.deliveries.values()) == [1, 2]


async def test_last_delivery_records_the_failure_instead_of_raising():
    mailer = FlakyMailer({"cleo@example.org": 5})
    svc, repo, outbox = service(mailer)
    for delivered in (1, 2):
        with pytest.raises(TransientDeliveryError):
            await svc.notify(EVENT, num_delivered=delivered)
    await svc.notify(EVENT, num_delivered=3)
    failed = [e for e in outbox.events.values() if e.type.endswith("failed.v1")]
    assert [(e.data.recipient_id, e.data.reason) for e in failed] == [("e", "SMTPServerDisconnected: server went away")]
    assert {r["recipient_id"]: r["status"] for r in repo.deliveries.values()} == {"m": "sent", "e": "failed"}

    await svc.notify(EVENT, num_delivered=1)  # a later duplicate changes nothing
    assert mailer.sent == ["ana@example.org"] and len(outbox.events) == 2


async def test_a_held_lease_means_retry_later_not_a_second_send():
    mailer = FlakyMailer({})
    svc, repo, _ = service(mailer)
    delivery_id = derived_id("delivery", EVENT.id, "m", "email")
    await repo.open_delivery({"_id": delivery_id, "recipient_id": "m"})
    await repo.claim(delivery_id, now_ms=0, lease_ms=10**13)  # another worker is sending it right now
    with pytest.raises(TransientDeliveryError, match="another worker"):
        await svc.notify(EVENT, num_delivered=1)
    assert mailer.sent == ["cleo@example.org"]
