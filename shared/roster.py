"""The roster CSV format a district uploads: one teacher a row.

Matching keeps the profile columns, notification the contact columns; neither sends the
other anything personal. Both derive the same opaque participant id from district and external id.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, ValidationError, field_validator

from shared.contracts.envelope import derived_id
from shared.contracts.matching import Role

GRADE_BANDS: Final = ("K-2", "3-5", "6-8", "9-12")
REQUIRED_COLUMNS: Final = (
    "external_id",
    "name",
    "email",
    "role",
    "school",
    "subjects",
    "grade_bands",
    "years_experience",
)
OPTIONAL_COLUMNS: Final = ("language",)
LANGUAGES: Final = ("en", "es", "fr")


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _lower_list(value: object) -> object:
    parts = _split(value)
    return [p.lower() for p in parts] if isinstance(parts, list) else parts


class RosterRow(BaseModel):
    """One valid roster row."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    external_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    role: Role
    school: str = Field(min_length=1, max_length=200)
    subjects: Annotated[list[str], BeforeValidator(_lower_list)] = Field(min_length=1)
    grade_bands: Annotated[list[str], BeforeValidator(_split)] = Field(min_length=1)
    years_experience: int = Field(ge=0, le=60)
    language: str = "en"

    @field_validator("grade_bands")
    @classmethod
    def _known_bands(cls, bands: list[str]) -> list[str]:
        unknown = [band for band in bands if band not in GRADE_BANDS]
        if unknown:
            raise ValueError(f"unknown grade band(s) {', '.join(unknown)}; use {', '.join(GRADE_BANDS)}")
        return bands

    @field_validator("language")
    @classmethod
    def _known_language(cls, language: str) -> str:
        if language not in LANGUAGES:
            raise ValueError(f"'{language}' is not one of {', '.join(LANGUAGES)}")
        return language

    def participant_id(self, district: str) -> str:
        return participant_id(district, self.external_id)


def participant_id(district: str, external_id: str) -> str:
    """The opaque id of a district's teacher; both matching and notification compute it."""
    return derived_id("participant", district, external_id)


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line number in the file, header is line 1
    field: str
    reason: str


@dataclass(frozen=True)
class ParsedRoster:
    rows: list[RosterRow]
    errors: list[RowError]


class RosterFormatError(ValueError):
    """The file as a whole cannot be read (not CSV, missing columns)."""


def parse_roster(text: str) -> ParsedRoster:
    """Parse a roster; invalid rows are reported with line number, field and reason, valid rows kept."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _parse(reader)
    except csv.Error as exc:  # a bare CR inside an unquoted field, a field over the csv module's limit...
        raise RosterFormatError(f"line {reader.line_num}: {exc}") from exc


def _parse(reader: csv.DictReader[str]) -> ParsedRoster:
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RosterFormatError(f"missing column(s): {', '.join(missing)}; required: {', '.join(REQUIRED_COLUMNS)}")
    reader.fieldnames = header
    rows: list[RosterRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            errors.append(RowError(line, "row", "more cells than header columns"))
            continue
        values = {k: v for k, v in record.items() if k in REQUIRED_COLUMNS + OPTIONAL_COLUMNS and v is not None}
        if not values.get("language"):
            values.pop("language", None)
        try:
            row = RosterRow.model_validate(values)
        except ValidationError as exc:
            errors.extend(_row_errors(line, exc))
            continue
        if row.external_id in seen:
            errors.append(RowError(line, "external_id", f"duplicate of line {seen[row.external_id]}"))
            continue
        seen[row.external_id] = line
        rows.append(row)
    return ParsedRoster(rows, errors)


def _row_errors(line: int, exc: ValidationError) -> list[RowError]:
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"][:1]) or "row"
        reason = str(err["msg"]).removeprefix("Value error, ")
        out.append(RowError(line, field, reason))
    return out
