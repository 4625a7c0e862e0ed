"""The roster CSV format a district uploads: one teacher a row.

Matching keeps the profile columns, notification the contact columns; neither sends the
other anything personal. Both derive the same opaque participant id from district and external id.

Required columns: external_id, name, email, role, school, subjects, grade_bands, years_experience.
Optional columns (an absent column or an empty cell means "not given": the value parses to None and a
re-import leaves the stored value unchanged): language, credentials, expertise, languages, support_style,
availability, trained, capacity, exclusions. Lists are ``;``-separated. The cell formats are the
validators of ``shared.roster_cells``; ``shared.oneroster`` reuses them for its ``metadata.mentoring.*`` columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, StringConstraints, ValidationError, field_validator
from pydantic_core import ErrorDetails

from shared.contracts.envelope import derived_id
from shared.contracts.matching import Role
from shared.roster_cells import (
    LANGUAGE_TAG,
    availability_slots,
    given,
    ids,
    none_if_blank,
    parts,
    support_style_cell,
    tags,
    yes_no,
)

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
PROFILE_COLUMNS: Final = (
    "credentials",
    "expertise",
    "languages",
    "support_style",
    "availability",
    "trained",
    "capacity",
    "exclusions",
)
OPTIONAL_COLUMNS: Final = ("language", *PROFILE_COLUMNS)
# What ``RosterRow.profile_fields`` hands to matching (when given).
PROFILE_FIELDS: Final = ("school", "subjects", "grade_bands", "years_experience", *PROFILE_COLUMNS)
LANGUAGES: Final = ("en", "es", "fr")  # languages of the messages notification sends
EXTERNAL_ID: Final = r"^[A-Za-z0-9_.-]+$"

Tag = Annotated[str, StringConstraints(min_length=1, max_length=80)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=EXTERNAL_ID)]
Tags = Annotated[list[Tag] | None, BeforeValidator(tags)]
SupportStyle = Literal["directive", "collaborative", "facilitative"]


class RosterRow(BaseModel):
    """One valid roster row (plain CSV or OneRoster). None means "not given": keep what is stored."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    external_id: ExternalId
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None  # None only from OneRoster rows without an address
    role: Role
    school: str = Field(min_length=1, max_length=200)
    subjects: Tags = Field(default=None, min_length=1)
    grade_bands: Annotated[list[str] | None, BeforeValidator(parts)] = Field(default=None, min_length=1)
    years_experience: Annotated[int | None, BeforeValidator(none_if_blank)] = Field(default=None, ge=0, le=60)
    language: str = "en"  # preferred language for messages
    credentials: Tags = None
    expertise: Tags = None  # expertise areas (mentors) / problems of practice (mentees)
    languages: Tags = None  # languages the teacher can mentor in
    support_style: Annotated[SupportStyle | None, BeforeValidator(support_style_cell)] = None
    availability: Annotated[list[dict[str, str]] | None, BeforeValidator(availability_slots)] = None
    trained: Annotated[bool | None, BeforeValidator(yes_no)] = None  # mentor training completed
    capacity: Annotated[int | None, BeforeValidator(none_if_blank)] = Field(default=None, ge=0, le=50)
    exclusions: Annotated[list[ExternalId] | None, BeforeValidator(ids)] = None  # external ids never to pair with

    @field_validator("grade_bands")
    @classmethod
    def _known_bands(cls, bands: list[str] | None) -> list[str] | None:
        unknown = [band for band in bands or [] if band not in GRADE_BANDS]
        if unknown:
            raise ValueError(f"unknown grade band(s) {', '.join(unknown)}; use {', '.join(GRADE_BANDS)}")
        return bands

    @field_validator("language")
    @classmethod
    def _known_language(cls, language: str) -> str:
        if language not in LANGUAGES:
            raise ValueError(f"'{language}' is not one of {', '.join(LANGUAGES)}")
        return language

    @field_validator("languages")
    @classmethod
    def _language_tags(cls, tags: list[str] | None) -> list[str] | None:
        wrong = [tag for tag in tags or [] if not LANGUAGE_TAG.match(tag)]
        if wrong:
            raise ValueError(f"'{wrong[0]}' is not a language tag like en, es or pt-br")
        return tags

    def participant_id(self, district: str) -> str:
        return participant_id(district, self.external_id)

    def profile_fields(self) -> dict[str, object]:
        """The matching-profile fields that were given (None left out); plain JSON/BSON values only."""
        given = self.model_dump(mode="json", include=set(PROFILE_FIELDS), exclude_none=True)
        return {name: given[name] for name in PROFILE_FIELDS if name in given}


def participant_id(district: str, external_id: str) -> str:
    """The opaque id of a district's teacher; both matching and notification compute it."""
    return derived_id("participant", district, external_id)


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line number in the file, header is line 1
    field: str  # the column, as the file names it
    reason: str
    file: str | None = None  # the file inside an archive (OneRoster); None for a plain CSV


@dataclass(frozen=True)
class ParsedRoster:
    rows: list[RosterRow]
    errors: list[RowError]
    skipped: int = 0  # rows left out on purpose (OneRoster: not a teacher, disabled, to be deleted)
    lines: dict[str, int] = field(default_factory=dict)  # external id -> its line, for later row errors
    file: str | None = None  # the file the rows come from (OneRoster: users.csv)


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
        absent = [RowError(line, c, "missing: a value is required") for c in REQUIRED_COLUMNS if not given(values.get(c))]
        row, invalid = validate_row(line, values)
        if absent or row is None:
            errors.extend(absent + [e for e in invalid if e.field not in {a.field for a in absent}])
            continue
        if row.external_id in seen:
            errors.append(RowError(line, "external_id", f"duplicate of line {seen[row.external_id]}"))
            continue
        seen[row.external_id] = line
        rows.append(row)
    return ParsedRoster(rows, errors, lines=seen)


def validate_row(
    line: int, values: Mapping[str, object], columns: Mapping[str, str] | None = None, file: str | None = None
) -> tuple[RosterRow | None, list[RowError]]:
    """Validate one row's values; errors name ``columns[field]`` (default: the field) and carry ``file``."""
    try:
        return RosterRow.model_validate(values), []
    except ValidationError as exc:
        names = columns or {}
        out: list[RowError] = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "row"
            reason = str(err["msg"]).removeprefix("Value error, ")
            if _echo(name, err):
                reason = f"'{str(err['input'])[:60]}': {reason}"
            out.append(RowError(line, names.get(name, name), reason, file))
        return None, out


def _echo(name: str, err: ErrorDetails) -> bool:
    """Whether a reason should quote the offending value (our own messages do already; names and addresses never)."""
    return err["type"] != "value_error" and name not in {"name", "email"} and isinstance(err["input"], str | int)
