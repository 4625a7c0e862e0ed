"""The HTTP side of a roster upload, shared by every service that accepts the roster CSV."""

from __future__ import annotations

from typing import Any, Final

from fastapi import HTTPException, Request
from pydantic import BaseModel

from shared.roster import ParsedRoster, RosterFormatError, parse_roster

MAX_ROSTER_BYTES: Final = 5 * 1024 * 1024
CSV_BODY: Final[dict[str, Any]] = {"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}}
UPLOAD_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    413: {"description": "File too large"},
    422: {"description": "Unreadable file: not UTF-8, or required columns missing"},
}


class RowProblem(BaseModel):
    row: int
    field: str
    reason: str


class ImportReport(BaseModel):
    accepted: int
    new: int
    errors: list[RowProblem]


async def read_roster(request: Request) -> ParsedRoster:
    """Read and parse a ``text/csv`` body; a file that cannot be read at all is refused whole."""
    raw = await request.body()
    if len(raw) > MAX_ROSTER_BYTES:
        raise HTTPException(413, f"roster is larger than {MAX_ROSTER_BYTES} bytes")
    try:
        return parse_roster(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise HTTPException(422, f"roster must be UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    except RosterFormatError as exc:
        raise HTTPException(422, f"roster: {exc}") from exc


def import_report(roster: ParsedRoster, new: int) -> ImportReport:
    errors = [RowProblem(row=e.row, field=e.field, reason=e.reason) for e in roster.errors]
    return ImportReport(accepted=len(roster.rows), new=new, errors=errors)
