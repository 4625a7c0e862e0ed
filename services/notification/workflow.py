"""Notification's use cases: keep the contact directory; record the deliveries each event causes.

Delivery guarantee. Each (cause event, recipient, channel) has one delivery record whose ``_id`` is derived
from them: the idempotency key. A redelivered or duplicated event finds its records and changes nothing but
their ``seen`` count; finished ones re-announce their outcome under the same derived event id (the outbox and
JetStream drop the repeat). Which channels, and when, follows the recipient's preferences (``preferences``);
sending, retrying and giving up is the dispatcher's (``dispatcher``, states in ``domain``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.contracts.envelope import CloudEvent, derived_id
from shared.roster import ParsedRoster
from shared.storage.mongo import Document

from . import domain, kinds, preferences
from .dispatcher import Dispatcher
from .domain import Clock, Status
from .kinds import Notice
from .metrics import NotificationMetrics
from .people import PeopleRepository
from .preferences import Preferences, Route
from .repository import NotificationRepository

DEFAULT_PREFERENCES = Preferences()


@dataclass
class Notifications:
    repo: NotificationRepository
    people: PeopleRepository
    dispatcher: Dispatcher
    metrics: NotificationMetrics
    digest_hour: int
    clock: Clock

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

    async def record(self, event: CloudEvent[Any]) -> None:
        """Record one delivery per (recipient, channel) the event causes, then send those due now."""
        notices = kinds.plan(event.data)
        district = await self.people.district(event.district, kinds.time_zone_of(event.data))
        time_zone = kinds.time_zone_of(event.data) or district.time_zone
        tz = preferences.zone(time_zone)
        prefs = await self.people.preferences_of(n.recipient_id for n in notices)
        now = self.clock()
        records = []
        for notice in notices:
            person = prefs.get(notice.recipient_id, DEFAULT_PREFERENCES)
            for route in preferences.route(
                notice.kind, person, webhook=district.has_webhook, now=now, tz=tz, digest_hour=self.digest_hour
            ):
                record = await self.repo.open_delivery(self._delivery(event, notice, route, time_zone))
                if route.suppressed and record["seen"] == 1:
                    self.metrics.suppressed.labels(kind=notice.kind.value).inc()
                records.append(record)
        await self.dispatcher.settle(records)

    def _delivery(self, event: CloudEvent[Any], notice: Notice, route: Route, time_zone: str) -> Document:
        now = self.clock()
        return {
            "_id": derived_id("delivery", event.id, notice.recipient_id, route.channel.value),
            "district": event.district,
            "program_id": event.data.program_id,
            "recipient_id": notice.recipient_id,
            "channel": route.channel.value,
            "kind": notice.kind.value,
            "template": notice.template,
            "cause_event_id": event.id,
            "cause_type": event.type,
            "event_time": event.time.isoformat(),
            "partner_ids": list(notice.partner_ids),
            "actor_id": notice.actor_id,
            "params": notice.params,
            "time_zone": time_zone,
            "digest": route.digest,
            "status": (Status.SUPPRESSED if route.suppressed else Status.PENDING).value,
            "error": f"opted out of {notice.kind.value}" if route.suppressed else None,
            "due_ms": domain.to_ms(route.due),
            "created_at": now,
            "created_ms": domain.to_ms(now),
        }
