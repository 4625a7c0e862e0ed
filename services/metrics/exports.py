"""CSV exports of summaries and weekly series: one row per scope (or week), nested figures as dotted columns.

A suppressed figure is an empty cell, with ``...suppressed`` columns saying why; every cell goes
through ``shared.csv_export``, so a school named like a formula stays text in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from pydantic import BaseModel

from shared.csv_export import to_csv

from .cells import Cell
from .derived import RATINGS
from .summary import Query, figures
from .views import Week, WeeklySeries

CSV_RESPONSE: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "CSV, one row per line, a header first", "content": {"text/csv": {"schema": {"type": "string"}}}}
}


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: value}


def _columns() -> list[str]:
    """The figure columns, from a cell where nothing is suppressed (so every nested figure has its column)."""
    full = Cell(ratings={str(r): 1 for r in RATINGS}, recommends={"10": 1})
    sample = figures(full, Query(as_of=datetime(2025, 1, 1, tzinfo=UTC), term="2024-25", k=1))
    return list(_flatten(sample.model_dump()))


FIGURE_COLUMNS: Final = _columns()


def summaries_csv(keys: list[str], summaries: Iterable[BaseModel]) -> str:
    """``keys`` (e.g. ``program_id``, ``district``) then every figure column, one row per summary."""
    rows = []
    for summary in summaries:
        flat = _flatten(summary.model_dump(mode="json"))
        rows.append([flat.get(column) for column in (*keys, *FIGURE_COLUMNS)])
    return to_csv([*keys, *FIGURE_COLUMNS], rows)


def weekly_csv(series: WeeklySeries) -> str:
    columns = list(Week.model_fields)
    return to_csv(columns, ([w.model_dump(mode="json")[c] for c in columns] for w in series.weeks))
