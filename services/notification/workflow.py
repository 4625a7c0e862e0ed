"""Notification's use cases: keep the contact directory; turn events into e-mails, once per recipient.

Delivery guarantee. Each (cause event, recipient, channel) has one delivery record whose ``_id`` is derived
from them, so a redelivered or duplicated event finds it. A ``sent`` or ``failed`` record sends nothing
again; its outcome event is re-emitted with the same derived id, which the outbox and JetStream dedupe.
A ``pending`` record is claimed with a lease before SMTP, so two workers never send it at the same time.

The accepted at-least-once boundary: if the process dies after the SMTP server accepted a message and
before the record is marked ``sent``, the redelivered event finds it pending (its lease expires) and
sends the e-mail again. SMTP has no idempotency key, so this window cannot be closed; the Message-ID is
derived from the delivery id, so mail software can recognise the duplicate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from shared.contracts.envelope import CloudEvent, derived_id, make_event
from shared.contracts.notification import Channel, NotificationFailed, NotificationSent
from shared.messaging.outbox import Outbox
from shared.messaging.policy import RetryPolicy
from shared.roster import ParsedRoster
from shared.storage.mongo import Document

from . import domain
from .domain import Notice, Status, Step
from .mailer import TRANSIENT_ERRORS, Mailer
from .metrics import NotificationMetrics
from .rendering import Renderer, as_utc, compose
from .repository import NotificationRepository

CHANNEL = Channel.EMAIL


class TransientDeliveryError(RuntimeError):
    """A delivery failed for now; the cause event should be delivered again."""


@dataclass
class Notifications:
    repo: NotificationRepository
    outbox: Outbox
    metrics: NotificationMetrics
    renderer: Renderer
    mailer: Mailer
    sender: str
    policy: RetryPolicy
    lease_seconds: float = 20.0

    async def import_contacts(self, district: str, roster: ParsedRoster) -> tuple[ParsedRoster, int]:
        """Keep the contact columns of valid rows (upsert by participant id).

        Rows without an e-mail address become row errors. Returns the roster as kept and how many contacts were new.
        """
        roster = domain.contactable(roster)
        docs = [
            {
                "_id": row.participant_id(district),
                "district": district,
                "external_id": row.external_id,
                "name": row.name,
                "email": str(row.email),
                "language": row.language,
            }
            for row in roster.rows
        ]
        new = await self.repo.upsert_contacts(docs)
        self.metrics.contact_rows.labels(outcome="accepted").inc(len(roster.rows))
        self.metrics.contact_rows.labels(outcome="rejected").inc(len(roster.errors))
        self.metrics.contact_rows.labels(outcome="skipped").inc(roster.skipped)
        return roster, new

    async def notify(self, event: CloudEvent[Any], num_delivered: int) -> None:
        """Deliver every notice ``event`` causes; raises ``TransientDeliveryError`` when one should be tried again."""
        last = domain.give_up(num_delivered, self.policy.max_deliver)
        notices = domain.plan(event.data)
        people = [n.recipient_id for n in notices] + [p for n in notices for p in n.partner_ids]
        contacts = await self.repo.contacts_by_id(people)
        retry = []
        for notice in notices:  # one recipient's trouble does not hold back the others
            try:
                await self._deliver(event, notice, contacts, last)
            except TransientDeliveryError as exc:
                retry.append(str(exc))
        if retry:
            raise TransientDeliveryError("; ".join(retry))

    async def _deliver(self, event: CloudEvent[Any], notice: Notice, contacts: dict[str, Document], last: bool) -> None:
        record = await self.repo.open_delivery(
            {
                "_id": derived_id("delivery", event.id, notice.recipient_id, CHANNEL.value),
                "district": event.district,
                "program_id": event.data.program_id,
                "recipient_id": notice.recipient_id,
                "channel": CHANNEL.value,
                "template": notice.template,
                "cause_event_id": event.id,
                "cause_type": event.type,
                "created_at": datetime.now(UTC),
            }
        )
        contact = contacts.get(notice.recipient_id)
        step = domain.next_step(record["status"], contact is not None, record["lease_until_ms"], _now_ms())
        if step is Step.DONE:
            await self._announce(event.district, record)
            return
        if step is Step.NO_CONTACT or contact is None:
            await self._fail(event.district, record, domain.NO_CONTACT)
            return
        if step is Step.SEND:
            message = self._message(notice, record, contact, contacts)  # before the lease: a template bug holds nothing
            if await self.repo.claim(record["_id"], _now_ms(), int(self.lease_seconds * 1000)) is not None:
                await self._send(event, record, message, last)
                return
        # Another worker holds the lease. If it died, the lease expires before a later delivery; on the last
        # delivery the dead-letter stream keeps the event for a replay (replays are idempotent).
        raise TransientDeliveryError(f"delivery {record['_id']} is being sent by another worker")

    def _message(self, notice: Notice, record: Document, contact: Document, contacts: dict[str, Document]) -> EmailMessage:
        partners = [contacts[p]["name"] for p in notice.partner_ids if p in contacts]
        context = {"name": contact["name"], "partners": partners, **notice.params}
        rendered = self.renderer.render(notice.template, contact.get("language"), context)
        return compose(
            rendered,
            sender=self.sender,
            to_address=contact["email"],
            message_key=record["_id"],
            date=datetime.now(UTC),
        )

    async def _send(self, event: CloudEvent[Any], record: Document, message: EmailMessage, last: bool) -> None:
        try:
            await self.mailer.send(message)
        except TRANSIENT_ERRORS as exc:
            reason = domain.failure_reason(exc)
            if last:
                await self._fail(event.district, record, reason)
                return
            await self.repo.release(record["_id"], reason)
            raise TransientDeliveryError(reason) from exc
        self.metrics.delivery_seconds.observe(max(0.0, (datetime.now(UTC) - as_utc(event.time)).total_seconds()))
        finished = await self.repo.finish(record["_id"], Status.SENT)
        if finished is not None:
            self.metrics.sent.labels(channel=CHANNEL.value, template=record["template"]).inc()
        await self._announce(event.district, finished or record | {"status": Status.SENT.value})

    async def _fail(self, district: str, record: Document, reason: str) -> None:
        finished = await self.repo.finish(record["_id"], Status.FAILED, error=reason)
        if finished is not None:
            self.metrics.failed.labels(channel=CHANNEL.value, template=record["template"]).inc()
        await self._announce(district, finished or record | {"status": Status.FAILED.value, "error": reason})

    async def _announce(self, district: str, record: Document) -> None:
        """Emit the outcome event of a finished delivery; its id derives from the delivery, so once on the bus."""
        fields = {
            "program_id": record["program_id"],
            "notification_id": record["_id"],
            "channel": CHANNEL,
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
        await self.outbox.emit([make_event(data, district=district, subject=record["_id"], event_id=event_id)])


def _now_ms() -> int:
    return int(time.time() * 1000)
