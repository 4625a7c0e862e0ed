"""Metrics' use cases: project one consumed event, and answer the summaries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.contracts.envelope import EventData

from . import domain
from .events import Envelope
from .metrics import ReadModelMetrics
from .repository import ReadModel
from .summary import ConsumedEvents, DistrictSummary, ProgramSummary, district_summary, program_summary


class NotSeenError(LookupError):
    pass


@dataclass
class Projection:
    repo: ReadModel
    metrics: ReadModelMetrics
    # Handlers of the four streams run concurrently: one refresh at a time, so an older read never lands last.
    _refreshing: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def consume(self, envelope: Envelope, data: EventData | None) -> None:
        """Apply the event's changes (always: upserts are idempotent), count it once, refresh its district's gauges.

        ``data`` is None for a type the catalogue does not know: counted as ``unknown``, otherwise ignored.
        """
        if data is not None:
            await self.repo.apply(domain.project(envelope.district, data))
        # Recorded after the changes, so a crash in between re-applies them on redelivery.
        if await self.repo.record_processed(envelope.id, envelope.type_label, envelope.district):
            self.metrics.consumed.labels(type=envelope.type_label).inc()
        if data is not None:
            await self.refresh(envelope.district)

    async def refresh(self, district: str) -> None:
        """Recompute the district's gauges from the read model."""
        async with self._refreshing:
            self.metrics.show(district, await self.repo.counts({"district": district}))

    async def refresh_all(self) -> None:
        """Restore every known district's gauges (after a restart)."""
        for district in await self.repo.districts():
            await self.refresh(district)

    async def program_summary(self, program_id: str, readable: Callable[[str], bool] = lambda _: True) -> ProgramSummary:
        """The program's figures; a program whose district is not ``readable`` is reported as never seen."""
        district = await self.repo.program_district(program_id)
        if district is None or not readable(district):
            raise NotSeenError(f"no event of program {program_id} has been seen")
        return program_summary(program_id, district, await self.repo.counts({"program_id": program_id, "district": district}))

    async def district_summary(self, district: str) -> DistrictSummary:
        counts = await self.repo.counts({"district": district})
        if not counts.programs:
            raise NotSeenError(f"no event of district {district} has been seen")
        return district_summary(district, counts)

    async def consumed(self) -> ConsumedEvents:
        by_type = await self.repo.consumed_by_type()
        return ConsumedEvents(events_consumed=sum(by_type.values()), by_type=by_type)
