"""Sends due deliveries: right after an event is recorded, and periodically (``runtime.every``) for the rest.

Every replica dispatches; a delivery is handed over only under its lease (a conditional update), so two
replicas never send it at the same time. The states are in ``domain``. The at-least-once boundary that
remains: a process dying after a channel accepted a delivery and before the record says so sends it again
once the lease expires (SMTP has no idempotency key). The resend carries the same key (Message-ID, inbox
``_id``, ``X-Mentoring-Delivery``), so the inbox stores it once and mail systems and webhook receivers can
drop it. Time comes from ``clock``: tests move it instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field

from shared.storage.mongo import Document

from . import domain
from .channels import TRANSIENT_ERRORS, Channels, UnsendableError
from .domain import FINISHED, Clock, Status
from .outcomes import Outcomes
from .repository import NotificationRepository

log = logging.getLogger(__name__)


@dataclass
class Dispatcher:
    repo: NotificationRepository
    channels: Channels
    outcomes: Outcomes
    lease_ms: int
    batch: int
    clock: Clock
    concurrency: int = 8  # hand-overs in flight at once: a slow endpoint does not hold back the rest
    _slots: asyncio.Semaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = asyncio.Semaphore(self.concurrency)

    async def run(self) -> None:
        """The periodic job (``runtime.every``)."""
        await self.dispatch_once()

    async def dispatch_once(self) -> int:
        """Attempt every due delivery (one batch); returns how many were due."""
        due = await self.repo.due(domain.to_ms(self.clock()), self.batch)
        digests: dict[str, list[Document]] = defaultdict(list)
        for record in due:
            if record.get("digest"):
                digests[record["recipient_id"]].append(record)
        singles = (self.attempt(r) for r in due if not r.get("digest"))
        await self._all([*singles, *(self.attempt_digest(records) for records in digests.values())])
        return len(due)

    async def settle(self, records: list[Document]) -> None:
        """After an event is recorded: re-announce finished deliveries, attempt those due now."""
        now_ms = domain.to_ms(self.clock())
        for record in records:
            if record["status"] in FINISHED:
                await self.outcomes.announce(record)
        due = [r for r in records if r["status"] == Status.PENDING and not r.get("digest") and r["due_ms"] <= now_ms]
        await self._all(self.attempt(r) for r in due)

    async def _all(self, attempts: Iterable[Awaitable[None]]) -> None:
        """Run attempts side by side (bounded); one failing does not stop the others."""

        async def guarded(attempt: Awaitable[None]) -> None:
            async with self._slots:
                try:
                    await attempt
                except Exception:  # logged; the lease expires and a later dispatch tries again
                    log.exception("a delivery attempt failed unexpectedly")

        await asyncio.gather(*(guarded(a) for a in attempts))

    async def attempt(self, record: Document) -> None:
        """One attempt at one delivery, if it is still due and nobody holds its lease."""
        try:
            handover = await self.channels.prepare(record)  # before the lease: nothing to hold if it cannot be sent
        except UnsendableError as exc:
            await self.outcomes.failed(record, str(exc))
            return
        claimed = await self.repo.claim(record["_id"], domain.to_ms(self.clock()), self.lease_ms)
        if claimed is None:
            return  # sent, failed or being sent by another worker meanwhile
        try:
            await handover.send()
        except TRANSIENT_ERRORS as exc:
            await self.outcomes.retry_or_fail(claimed, domain.failure_reason(exc), handover.body)
            return
        await self.outcomes.sent(claimed)

    async def attempt_digest(self, records: list[Document]) -> None:
        """One e-mail for the due digest deliveries of one person (those this worker could claim)."""
        now_ms = domain.to_ms(self.clock())
        claimed = [c for r in records if (c := await self.repo.claim(r["_id"], now_ms, self.lease_ms)) is not None]
        if not claimed:
            return
        try:
            handover = await self.channels.prepare_digest(claimed)
        except UnsendableError as exc:
            for record in claimed:
                await self.outcomes.failed(record, str(exc))
            return
        try:
            await handover.send()
        except TRANSIENT_ERRORS as exc:
            for record in claimed:
                await self.outcomes.retry_or_fail(record, domain.failure_reason(exc))
            return
        for record in claimed:
            await self.outcomes.sent(record)
