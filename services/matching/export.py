"""The participants export: a CSV file a spreadsheet opens without running any cell as a formula."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from shared.csv_export import to_csv
from shared.storage.mongo import Document

COLUMNS: Final = ("external_id", "name", "role", "school", "subjects", "grade_bands", "years_experience")
CSV_RESPONSE: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "One participant a row", "content": {"text/csv": {"schema": {"type": "string"}}}}
}


def participants_csv(participants: Iterable[Document]) -> str:
    """``COLUMNS`` of each participant; lists joined with ``;`` as in the roster upload."""
    return to_csv(COLUMNS, ([_cell(p.get(column)) for column in COLUMNS] for p in participants))


def _cell(value: Any) -> Any:
    return ";".join(str(v) for v in value) if isinstance(value, list) else value
