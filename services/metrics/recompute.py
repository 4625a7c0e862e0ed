"""Read side, debounced: recompute the cells of programs that changed, then of their districts.

The write side keeps per-program row counts and marks a program dirty with a version; every
``recompute_seconds`` the dirty programs' rows (as many as distinct keys, not documents) make fresh
cells. A cell is stored with the version it was computed from and never replaced by an older one, so
several replicas may recompute at the same time. With a ``RowCache`` the rows of programs only this
process changed since it last read them come from memory, and only the others' from the store.
"""

from __future__ import annotations

from collections.abc import Callable

from .cells import Cell, Series, add_series, program_cells
from .repository import ReadModel
from .rowcache import RowCache, merge
from .rows import Row

CHUNK = 200  # programs recomputed by one set of queries


class Recomputer:
    def __init__(
        self,
        repo: ReadModel,
        on_done: Callable[[set[str], set[str]], None] | None = None,
        rows: RowCache | None = None,
    ) -> None:
        self.repo = repo
        self.on_done = on_done  # (programs, districts) recomputed
        self.cache = rows

    async def cycle(self) -> int:
        """Recompute every program dirty now and the districts they belong to; returns how many programs."""
        districts: set[str] = set()
        programs: set[str] = set()
        after = ""
        while marks := await self.repo.dirty_programs(CHUNK, after=after):
            names = [str(m["_id"]) for m in marks]
            rows = await self._rows({str(m["_id"]): int(m["v"]) for m in marks})
            computed = program_cells(names, rows)
            await self.repo.save_cells(
                [(f"program:{m['_id']}", str(m["district"]), int(m["v"]), *computed[str(m["_id"])]) for m in marks]
            )
            await self.repo.mark_clean(marks)
            districts.update(str(m["district"]) for m in marks)
            programs.update(names)
            after = names[-1]  # programs marked again meanwhile wait for the next cycle
        if districts:
            await self.districts(sorted(districts))
        if self.on_done and programs:
            self.on_done(programs, districts)
        return len(programs)

    async def _rows(self, versions: dict[str, int]) -> dict[str, list[Row]]:
        """The programs' rows: from this process's copies where current, otherwise read (and then copied)."""
        if self.cache is None:
            return await self.repo.counts.rows(list(versions))
        copied, missing = self.cache.rows(versions)
        if not missing:
            return copied
        async with self.cache.lock:  # no own batch between the versions and the rows read here
            current = await self.repo.mark_versions(missing)
            read = await self.repo.counts.rows(missing)
        self.cache.keep(current, read)
        return merge(copied, read)

    async def districts(self, districts: list[str]) -> None:
        """Each district's cell: the sum of its programs' cells (stored with the sum of their versions)."""
        totals: dict[str, tuple[Cell, Series, list[int]]] = {d: (Cell(), {}, []) for d in districts}
        for district, version, cell, weeks in await self.repo.program_parts(districts):
            totals[district][0].add(cell)
            add_series(totals[district][1], weeks)
            totals[district][2].append(version)
        await self.repo.save_cells([(f"district:{d}", d, sum(v), cell, series) for d, (cell, series, v) in totals.items()])

    async def until_clean(self, rounds: int = 1000) -> None:
        """Recompute until nothing is dirty (after a rebuild)."""
        for _ in range(rounds):
            if not await self.cycle():
                return
        raise RuntimeError("programs kept changing while recomputing")
