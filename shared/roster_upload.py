"""The HTTP side of a roster upload, shared by every service that accepts the roster CSV or a OneRoster ZIP."""

from __future__ import annotations

from typing import Any, Final

from fastapi import HTTPException, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shared.contracts.matching import Role
from shared.oneroster import parse_oneroster
from shared.roster import ParsedRoster, RosterFormatError, parse_roster

MAX_ROSTER_BYTES: Final = 5 * 1024 * 1024
CSV_BODY: Final[dict[str, Any]] = {"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}}
ONEROSTER_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "description": "A OneRoster 1.2 CSV export: a ZIP holding users.csv and orgs.csv (roles.csv read when present)",
        "content": {  # octet-stream too: what generic clients send for a file
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
        "required": True,
    }
}
UPLOAD_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    413: {"description": "File too large"},
    422: {"description": "Unreadable file: not UTF-8, or required columns missing"},
}
ONEROSTER_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    413: {"description": "Archive too large"},
    422: {"description": "Unreadable archive: not a ZIP, users.csv or orgs.csv or a required column missing, too large unpacked"},
}


class RowProblem(BaseModel):
    row: int
    field: str
    reason: str
    file: str | None = Field(default=None, exclude_if=lambda v: v is None, description="File in the archive (OneRoster)")


class ImportReport(BaseModel):
    accepted: int
    new: int
    errors: list[RowProblem]


class OneRosterReport(ImportReport):
    skipped: int = Field(description="Users left out on purpose: not teachers, disabled, or to be deleted")


async def read_roster(request: Request) -> ParsedRoster:
    """Read and parse a ``text/csv`` body; a file that cannot be read at all is refused whole."""
    raw = await _body(request, "roster")
    try:
        return parse_roster(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise HTTPException(422, f"roster must be UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    except RosterFormatError as exc:
        raise HTTPException(422, f"roster: {exc}") from exc


async def read_oneroster(request: Request, role: Role | None) -> ParsedRoster:
    """Read and parse an ``application/zip`` OneRoster body (off the event loop); an unreadable archive is refused whole."""
    raw = await _body(request, "archive")
    try:
        return await run_in_threadpool(parse_oneroster, raw, role=role)
    except RosterFormatError as exc:
        raise HTTPException(422, f"oneroster: {exc}") from exc


async def _body(request: Request, what: str) -> bytes:
    raw = await request.body()
    if len(raw) > MAX_ROSTER_BYTES:
        raise HTTPException(413, f"{what} is larger than {MAX_ROSTER_BYTES} bytes")
    return raw


def _problems(roster: ParsedRoster) -> list[RowProblem]:
    return [RowProblem(row=e.row, field=e.field, reason=e.reason, file=e.file) for e in roster.errors]


def import_report(roster: ParsedRoster, new: int) -> ImportReport:
    """The answer to a roster upload: rows kept, how many were new, and each rejected row's problem."""
    return ImportReport(accepted=len(roster.rows), new=new, errors=_problems(roster))


def oneroster_report(roster: ParsedRoster, new: int) -> OneRosterReport:
    """``import_report`` plus how many users were skipped on purpose."""
    return OneRosterReport(accepted=len(roster.rows), new=new, errors=_problems(roster), skipped=roster.skipped)
