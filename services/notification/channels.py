"""The three channels, none a stub: e-mail (SMTP), the in-app inbox, and the district's webhook.

``prepare`` turns a delivery record into one call that hands it over, or raises ``UnsendableError`` when no retry
could help (no contact on file, no webhook configured, a template that does not render). Each hand-over is
keyed by the delivery id: the e-mail's Message-ID derives from it, the inbox entry's ``_id`` is it, and the
webhook carries it in ``X-Mentoring-Delivery``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from jinja2 import TemplateError

from shared.contracts.envelope import derived_id
from shared.contracts.notification import Channel
from shared.storage.mongo import Document

from . import domain, mailer, webhook
from .domain import Clock
from .inbox import InboxRepository
from .mailer import Mailer
from .people import PeopleRepository
from .rendering import Rendered, Renderer, compose
from .repository import NotificationRepository
from .webhook import WebhookSender

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (*mailer.TRANSIENT_ERRORS, *webhook.TRANSIENT_ERRORS)


@dataclass(frozen=True)
class Handover:
    """One call that hands a delivery to its channel; ``body`` is what a webhook posts (kept in its dead letter)."""

    send: Callable[[], Awaitable[Any]]
    body: bytes | None = None


class UnsendableError(Exception):
    """This delivery can never be handed over; the message is the reason."""


@dataclass
class Channels:
    repo: NotificationRepository
    inbox: InboxRepository
    people: PeopleRepository
    renderer: Renderer
    mailer: Mailer
    webhooks: WebhookSender
    sender: str
    clock: Clock

    async def prepare(self, record: Document) -> Handover:
        """The hand-over of one delivery (raises ``UnsendableError``)."""
        if record["channel"] == Channel.WEBHOOK:
            return await self._webhook(record)
        contacts = await self._people_of([record])
        contact = contacts.get(record["recipient_id"])
        if record["channel"] == Channel.EMAIL and contact is None:
            raise UnsendableError(domain.NO_CONTACT)
        rendered = self._render(record, contacts)
        if record["channel"] == Channel.EMAIL:
            assert contact is not None
            return Handover(partial(self.mailer.send, self._email(rendered, contact["email"], record["_id"])))
        entry = {
            "_id": record["_id"],
            "recipient_id": record["recipient_id"],
            "district": record["district"],
            "program_id": record["program_id"],
            "kind": record["kind"],
            "subject": rendered.subject,
            "body": rendered.body,
            "cause_event_id": record["cause_event_id"],
            "created_at": self.clock(),
            "created_ms": domain.to_ms(self.clock()),
        }
        return Handover(partial(self.inbox.add, entry))

    async def prepare_digest(self, records: list[Document]) -> Handover:
        """One e-mail carrying every record (all e-mails to the same person)."""
        contacts = await self._people_of(records)
        contact = contacts.get(records[0]["recipient_id"])
        if contact is None:
            raise UnsendableError(domain.NO_CONTACT)
        items = [self._message(r, contacts) for r in records]
        rendered = self.renderer.digest(items, contact.get("language"), contact["name"])
        key = derived_id("digest", *sorted(r["_id"] for r in records))
        return Handover(partial(self.mailer.send, self._email(rendered, contact["email"], key)))

    async def _webhook(self, record: Document) -> Handover:
        district = await self.people.district(record["district"])
        if not district.has_webhook or district.webhook_url is None or district.webhook_secret is None:
            raise UnsendableError(domain.NO_WEBHOOK)
        body = webhook.payload(record)
        request_headers = webhook.headers(body, district.webhook_secret, record["_id"], record["kind"])
        return Handover(partial(self.webhooks.post, district.webhook_url, body, request_headers), body)

    async def _people_of(self, records: list[Document]) -> dict[str, Document]:
        ids = [i for r in records for i in (r["recipient_id"], *r.get("partner_ids", []), r.get("actor_id")) if i]
        return await self.repo.contacts_by_id(ids)

    def _context(self, record: Document, contacts: dict[str, Document]) -> dict[str, Any]:
        contact = contacts.get(record["recipient_id"])
        actor_id = record.get("actor_id")
        actor = contacts.get(actor_id) if actor_id and actor_id != record["recipient_id"] else None
        return {
            **record.get("params", {}),
            "name": contact["name"] if contact else None,
            "partners": [contacts[p]["name"] for p in record.get("partner_ids", []) if p in contacts],
            "actor": actor["name"] if actor else None,
            "time_zone": record.get("time_zone") or "UTC",
        }

    def _language(self, record: Document, contacts: dict[str, Document]) -> str | None:
        contact = contacts.get(record["recipient_id"])
        return contact.get("language") if contact else None

    def _message(self, record: Document, contacts: dict[str, Document]) -> tuple[str, str]:
        try:
            return self.renderer.message(record["template"], self._language(record, contacts), self._context(record, contacts))
        except (TemplateError, KeyError, TypeError, ValueError) as exc:  # a bad template fails every time
            raise UnsendableError(f"template {record['template']} does not render: {domain.failure_reason(exc)}") from exc

    def _render(self, record: Document, contacts: dict[str, Document]) -> Rendered:
        subject, body = self._message(record, contacts)
        return self.renderer.wrap(subject, body, self._language(record, contacts), self._context(record, contacts)["name"])

    def _email(self, rendered: Rendered, address: str, key: str) -> Any:
        return compose(rendered, sender=self.sender, to_address=address, message_key=key, date=self.clock())
