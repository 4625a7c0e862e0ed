"""What happens after an attempt: sent, retried later, or failed (with a dead letter for webhooks).

Outcome events carry ids derived from the delivery, so re-announcing a finished delivery (a redelivered cause
event does) publishes nothing new. The event is stored in the outbox before the record is finished: a process
dying in between leaves the lease to expire and the delivery to be taken again, never a finished delivery
without its event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.contracts.catalogue import EVENTS
from shared.contracts.deadletter import DeadLetter, DeadLetterReason
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.notification import Channel, NotificationFailed, NotificationSent
from shared.contracts.subjects import DEADLETTER_STREAM, deadletter_subject, stream_of
from shared.messaging.deadletter import DeadLetterer
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from . import domain
from .domain import Clock, Status
from .metrics import NotificationMetrics
from .repository import NotificationRepository

SERVICE = "notification"
WEBHOOK_DURABLE = "webhook"  # dead letters of webhook deliveries: mentoring.deadletter.notification.webhook
KINDS = {model.kind.type: model.kind for model in EVENTS}


@dataclass
class Outcomes:
    repo: NotificationRepository
    outbox: Outbox
    metrics: NotificationMetrics
    deadletterer: DeadLetterer
    backoff: Sequence[float]
    clock: Clock

    async def sent(self, record: Document) -> None:
        await self.announce(record | {"status": Status.SENT.value})
        now = self.clock()
        if await self.repo.finish(record["_id"], Status.SENT, now) is not None:
            self.metrics.sent.labels(channel=record["channel"], kind=record["kind"]).inc()
            started = domain.as_utc(datetime.fromisoformat(record["event_time"]))
            self.metrics.delivery_seconds.labels(channel=record["channel"]).observe(max(0.0, (now - started).total_seconds()))

    async def failed(self, record: Document, reason: str) -> None:
        reason = domain.clip_reason(reason)
        await self.announce(record | {"status": Status.FAILED.value, "error": reason})
        if await self.repo.finish(record["_id"], Status.FAILED, self.clock(), error=reason) is not None:
            self.metrics.failed.labels(channel=record["channel"], kind=record["kind"]).inc()

    async def retry_or_fail(self, record: Document, reason: str, body: bytes | None = None) -> None:
        """After a transient error on attempt ``record['attempts']``: retry after the backoff, or give up."""
        delay = domain.retry_delay(record["attempts"], self.backoff)
        if delay is None:
            if record["channel"] == Channel.WEBHOOK and body is not None:
                await self.dead_letter(record, body, reason)
            await self.failed(record, reason)
            return
        self.metrics.retries.labels(channel=record["channel"]).inc()
        await self.repo.retry_at(record["_id"], domain.to_ms(self.clock() + timedelta(seconds=delay)), domain.clip_reason(reason))

    async def announce(self, record: Document) -> None:
        """Emit the outcome event of a finished delivery (once on the bus: its id derives from the delivery)."""
        fields = {
            "program_id": record["program_id"],
            "notification_id": record["_id"],
            "channel": Channel(record["channel"]),
            "recipient_id": record["recipient_id"],
            "template": record["template"],
            "cause_event_id": record["cause_event_id"],
        }
        data: NotificationSent | NotificationFailed
        if record["status"] == Status.SENT:
            data = NotificationSent(**fields)
        else:
            data = NotificationFailed(**fields, reason=domain.clip_reason(record.get("error")))
        event_id = derived_id(f"notification.{record['status']}", record["_id"])
        await self.outbox.emit([make_event(data, district=record["district"], subject=record["_id"], event_id=event_id)])

    async def dead_letter(self, record: Document, body: bytes, reason: str) -> None:
        """Put the webhook body that no attempt delivered on the DEADLETTER stream (once: the msg id is the delivery's)."""
        kind = KINDS.get(record["cause_type"])
        letter = DeadLetter(
            service=SERVICE,
            durable=WEBHOOK_DURABLE,
            stream=stream_of(kind).name if kind else "",
            stream_seq=0,  # the cause event was acknowledged long ago; its id is in the payload
            subject=kind.subject(record["district"]) if kind else "",
            deliveries=record["attempts"],
            reason=DeadLetterReason.DELIVERIES_EXHAUSTED,
            detail=f"webhook delivery {record['_id']} failed {record['attempts']} times: {reason}",
            failed_at=self.clock(),
            payload=body.decode("utf-8", errors="replace"),
        )
        assert self.deadletterer.broker is not None, "dead letters need the started broker"
        await self.deadletterer.broker.publish(
            letter.model_dump(mode="json"),
            subject=deadletter_subject(SERVICE, WEBHOOK_DURABLE),
            stream=DEADLETTER_STREAM.name,
            headers={"Nats-Msg-Id": f"dl-webhook-{record['_id']}"},
        )
