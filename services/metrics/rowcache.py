"""This process's copy of programs' row counts, so that a recompute reads from the store only what another writer changed.

A program's copy is taken when a recompute reads its rows, labelled with the version of its dirty mark
read just before, and then kept current by this process's own batches: each adds its count changes and
one to the version (its ``mark_dirty`` adds one to the stored version). The copy is used while its
version equals the stored one; a batch of another replica, or a recount (``settle``), adds one more, and
the rows are read again. Reading them again is always safe, so every doubt drops the copy:

- copies are taken under ``lock``, which this process's batches hold from their first write to their
  mark: the rows read cannot hold an own change the version does not show;
- a batch that fails drops the copies of its programs.

A writer that dies between its counts and its mark leaves counts the version does not show; its note makes
``Projector.settle`` recount the program, which bumps the version, and the copy is read again then.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .counts import Delta
from .rows import Row

RowKey = tuple[str, str]  # (collection, key)


@dataclass
class _Copy:
    version: int
    rows: dict[RowKey, Row]


class RowCache:
    def __init__(self, max_programs: int = 5_000) -> None:
        self.max_programs = max_programs
        self._copies: OrderedDict[str, _Copy] = OrderedDict()
        self.lock = asyncio.Lock()  # held by an own batch from its first write to its mark, and while copies are taken

    # ---- the write side ---------------------------------------------------------------------------------

    def written(self, programs: Iterable[str], deltas: Delta) -> None:
        """An own batch is marked: its counts and its version increment go into the copies."""
        names = set(programs)
        for program in names:
            if program in self._copies:
                self._copies[program].version += 1
        for (collection, key), change in deltas.items():
            program = key.split("|", 1)[0]
            copy = self._copies.get(program)
            if copy is None or program not in names:
                continue
            row = copy.rows.setdefault((collection, key), Row(key, sums=dict.fromkeys(change.sums, 0)))
            row.n += change.n
            for name, value in change.sums.items():
                row.sums[name] = row.sums.get(name, 0) + value

    def failed(self, programs: Iterable[str]) -> None:
        """An own batch failed somewhere between its counts and its mark: its programs' copies are in doubt."""
        for program in programs:
            self._copies.pop(program, None)

    # ---- the recompute side -----------------------------------------------------------------------------

    def rows(self, versions: Mapping[str, int]) -> tuple[dict[str, list[Row]], list[str]]:
        """The rows (by collection, counted ones only) of the programs whose copy has the stored version, and the
        programs whose rows must be read."""
        out: dict[str, list[Row]] = {}
        missing = []
        for program, version in versions.items():
            copy = self._copies.get(program)
            if copy is None or copy.version != version:
                missing.append(program)
                continue
            self._copies.move_to_end(program)
            for (collection, _), row in copy.rows.items():
                if row.n > 0:
                    out.setdefault(collection, []).append(row)
        return out, missing

    def keep(self, versions: Mapping[str, int], rows: Mapping[str, list[Row]]) -> None:
        """Copy the rows just read of the programs in ``versions``, at those versions (read first, under ``lock``)."""
        by_program: dict[str, dict[RowKey, Row]] = {program: {} for program in versions}
        for collection, found in rows.items():
            for row in found:
                program = row.key.split("|", 1)[0]
                if program in by_program:
                    by_program[program][(collection, row.key)] = Row(row.key, row.n, dict(row.sums))
        for program, copied in by_program.items():
            self._copies[program] = _Copy(versions[program], copied)
            self._copies.move_to_end(program)
        while len(self._copies) > self.max_programs:
            self._copies.popitem(last=False)


def merge(*parts: Mapping[str, list[Row]]) -> dict[str, list[Row]]:
    """Rows by collection from several sources (of different programs)."""
    out: dict[str, list[Row]] = {}
    for part in parts:
        for collection, found in part.items():
            out.setdefault(collection, []).extend(found)
    return out
