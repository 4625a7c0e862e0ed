"""Metrics' use cases: project consumed events, recompute figures, and answer summaries and series."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .batching import GroupCommit
from .cells import Cell, Series, add_series
from .metrics import OTHER, ReadModelMetrics
from .projector import Consumed, Projector
from .recompute import Recomputer
from .repository import ReadModel
from .rowcache import RowCache
from .schools import school_cells
from .summary import Query, figures, term_of
from .views import (
    ConsumedEvents,
    DistrictSummary,
    ProgramSummary,
    SchoolSummary,
    StateSummary,
    WeeklySeries,
    district_summary,
    program_summary,
    school_summary,
    state_summary,
    weekly,
)

Readable = Callable[[str], bool]


class NotSeenError(LookupError):
    pass


@dataclass
class Projection:
    repo: ReadModel
    metrics: ReadModelMetrics
    k: int = 5
    batch_max_events: int = 2048
    batch_linger: float = 0.0
    _waiting: dict[str, list[float]] = field(default_factory=dict)  # program -> event times not yet in its cell

    def __post_init__(self) -> None:
        rows = RowCache()  # what this process wrote, the recompute need not read back
        self.projector = Projector(self.repo, self._counted, self._dirtied, rows=rows)
        self.commit: GroupCommit[Consumed] = GroupCommit(self.projector.apply, self.batch_max_events, self.batch_linger)
        self.recomputer = Recomputer(self.repo, rows=rows)

    # ---- write side --------------------------------------------------------------------------------------

    async def consume(self, events: list[Consumed]) -> list[BaseException | None]:
        """Store the events' changes together with those of concurrent handlers; returns once each is stored or failed,
        with what storing each raised (None when stored)."""
        return await self.commit.submit_many(events)

    def _counted(self, type_labels: list[str]) -> None:
        for label in type_labels:
            self.metrics.consumed.labels(type=label).inc()

    def _dirtied(self, earliest: dict[str, float]) -> None:
        for program, at in earliest.items():
            self._waiting.setdefault(program, []).append(at)

    async def recompute(self) -> int:
        """One debounced recompute of the programs changed since the last one; observes the lag of their events."""
        started, waiting = time.monotonic(), {p: list(times) for p, times in self._waiting.items()}
        done = await self.recomputer.cycle()
        if done:
            now = time.time()
            for program, times in waiting.items():
                for at in times:
                    self.metrics.lag.observe(max(0.0, now - at))
                del self._waiting[program][: len(times)]
            self.metrics.recompute.observe(time.monotonic() - started)
        self.metrics.dirty.set(await self.repo.count_dirty())
        return done

    async def settle(self) -> None:
        """At start-up: count again the rows of programs whose counts may have missed a write (a crash mid-batch)."""
        await self.projector.settle(older_than=0.0)

    async def recompute_job(self) -> None:
        """``recompute`` as a periodic job."""
        await self.recompute()

    async def stop(self) -> None:
        await self.commit.stop()

    async def refresh_gauges(self) -> None:
        """The business gauges of every exported district (and ``_other``), from the districts' cells."""
        query = self.query(None, None)
        cells = {district: cell for district, _, _, cell in await self.repo.cells_of("district")}
        named, rest = self.metrics.exported(list(cells))
        by_label = {d: figures(cells[d], query) for d in named}
        if rest:
            other = Cell()
            for district in rest:
                other.add(cells[district])
            by_label[OTHER] = figures(other, query)
        self.metrics.show(by_label)

    # ---- read side -----------------------------------------------------------------------------------------

    def query(self, as_of: datetime | None, term: str | None) -> Query:
        as_of = as_of or datetime.now(UTC)
        as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
        return Query(as_of=as_of, term=term or term_of(as_of.astimezone(UTC).date()), k=self.k)

    async def program_district(self, program_id: str, readable: Readable) -> str:
        district = await self.repo.program_district(program_id)
        if district is None or not readable(district):
            raise NotSeenError(f"no event of program {program_id} has been seen")
        return district

    async def program_summary(self, program_id: str, query: Query, readable: Readable = lambda _: True) -> ProgramSummary:
        """The program's figures; a program whose district is not ``readable`` is reported as never seen."""
        district = await self.program_district(program_id, readable)
        cell = await self.repo.cell(f"program:{program_id}") or Cell(programs=1)
        return program_summary(program_id, district, cell, query)

    async def district_cell(self, district: str) -> Cell:
        cell = await self.repo.cell(f"district:{district}")
        if cell is None:
            programs = await self.repo.programs_of(district)
            if not programs:
                raise NotSeenError(f"no event of district {district} has been seen")
            cell = Cell(programs=len(programs))
        return cell

    async def district_summary(self, district: str, query: Query) -> DistrictSummary:
        return district_summary(district, await self.district_cell(district), query)

    async def state_summary(self, query: Query) -> StateSummary:
        """The sum of every district's cell (one small document per district)."""
        total, districts = Cell(), 0
        for _, _, _, cell in await self.repo.cells_of("district"):
            total.add(cell)
            districts += 1
        return state_summary(districts, total, query)

    async def program_summaries(self, district: str, query: Query) -> list[ProgramSummary]:
        """Every program of the district (for exports and the report)."""
        await self.district_cell(district)
        return [program_summary(p, d, cell, query) for p, d, _, cell in await self.repo.cells_of("program", [district])]

    async def district_summaries(self, query: Query) -> list[DistrictSummary]:
        return [district_summary(d, cell, query) for d, _, _, cell in await self.repo.cells_of("district")]

    async def school_summaries(self, district: str, query: Query) -> list[SchoolSummary]:
        """One summary per school of the district, computed now from the district's documents."""
        await self.district_cell(district)
        cells = school_cells(await self.repo.district_rows(district))
        return [school_summary(district, school, cells[school], query) for school in sorted(cells)]

    async def program_weekly(self, program_id: str, readable: Readable = lambda _: True) -> WeeklySeries:
        await self.program_district(program_id, readable)
        return weekly("program", program_id, await self._series([f"program:{program_id}"]), self.k)

    async def district_weekly(self, district: str) -> WeeklySeries:
        await self.district_cell(district)
        return weekly("district", district, await self._series([f"district:{district}"]), self.k)

    async def state_weekly(self) -> WeeklySeries:
        scopes = [f"district:{d}" for d, _, _, _ in await self.repo.cells_of("district")]
        return weekly("state", "state", await self._series(scopes), self.k)

    async def _series(self, scopes: list[str]) -> Series:
        total: Series = {}
        for weeks in await self.repo.series_of(scopes):
            add_series(total, weeks)
        return total

    async def consumed(self) -> ConsumedEvents:
        by_type = await self.repo.consumed_by_type()
        return ConsumedEvents(events_consumed=sum(by_type.values()), by_type=by_type)
