"""Documents counted by a key field: what the store answers with ``$group``, and the same in plain Python."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    """``n`` documents share the group ``key``; ``sums`` adds up fields over them, ``low``/``high`` their min/max week."""

    key: str
    n: int = 0
    sums: dict[str, int] = field(default_factory=dict)
    low: str | None = None
    high: str | None = None

    @property
    def parts(self) -> list[str]:
        return self.key.split("|")


def group(docs: Iterable[Mapping[str, Any]], key: str, sums: tuple[str, ...] = (), week: str | None = None) -> list[Row]:
    """The store's ``$group`` by ``key`` (count, ``$sum`` of ``sums``, ``$min``/``$max`` of ``week``), in memory."""
    rows: dict[str, Row] = {}
    for doc in docs:
        row = rows.setdefault(doc[key], Row(doc[key], sums=dict.fromkeys(sums, 0)))
        row.n += 1
        for name in sums:
            row.sums[name] += int(doc.get(name) or 0)
        value = doc.get(week) if week else None
        if value:
            row.low = value if row.low is None else min(row.low, value)
            row.high = value if row.high is None else max(row.high, value)
    return list(rows.values())
