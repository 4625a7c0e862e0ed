"""Read the teachers of a OneRoster 1.2 CSV export (a ZIP) as roster rows, the way ``shared.roster`` reads a CSV.

The archive. ``users.csv`` and ``orgs.csv`` are required, ``roles.csv`` is read when present (in OneRoster 1.2
a user's roles and orgs live there); ``manifest.csv`` and every other file are ignored. Files may sit at the
root or in one folder; they are UTF-8 (a BOM is fine). An archive that is not a ZIP, lacks a required file or
column, or whose files unpack to more than ``MAX_UNCOMPRESSED_BYTES`` (a zip bomb) raises ``RosterFormatError``.

Who is imported. Only teachers: a user whose ``role`` column (the OneRoster 1.1 layout many exports still
use) says ``teacher``, or who has a ``roles.csv`` row with role ``teacher``. Everyone else, and every user with
``status=tobedeleted`` or ``enabledUser=false``, is skipped: counted in ``ParsedRoster.skipped``, not an error.

How a teacher becomes a ``RosterRow``:
- external_id: ``identifier`` when given, else ``sourcedId`` (letters, digits, ``_ . -``; at most 64).
- name: ``preferredGivenName`` or ``givenName``, then ``preferredFamilyName`` or ``familyName``.
- email: ``email``, or None when empty (notification cannot write to that person; matching still can match).
- school: the ``name`` of the first org of type ``school`` among ``primaryOrgSourcedId`` (or ``primaryOrg``),
  the user's ``teacher`` rows in ``roles.csv`` (primary first) and ``orgSourcedIds``. An id that is not in
  ``orgs.csv`` is a row error naming the column that holds it; no school at all is an error on ``orgSourcedIds``.
- grade_bands: from ``grades`` (CEDS codes, comma-separated): PK, TK, KG, 01, 02 -> K-2; 03-05 -> 3-5;
  06-08 -> 6-8; 09-13 -> 9-12; IT, PR, PS, UG, Other are ignored; another code is a row error; none left -> None.
- role in the program: ``metadata.mentoring.role`` (mentor, mentee, peer) when given, else the ``role`` argument
  (the upload's ``?role=``); neither is a row error naming ``metadata.mentoring.role``.
- ``metadata.mentoring.<field>`` columns give the other profile fields (subjects, grade_bands, years_experience,
  language, credentials, expertise, languages, support_style, availability, trained, capacity, exclusions) in the
  plain roster CSV's cell format, validated by the same code; ``grade_bands`` there wins over ``grades``. Other
  ``metadata.*`` columns are ignored; an unknown ``metadata.mentoring.*`` column is a format error (a typo would
  otherwise drop data silently).
Row errors carry the file and its line number. Deterministic; no network; stdlib ``zipfile`` and ``csv`` only
(the archive and its CSV files are read by ``shared.oneroster_archive``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from shared.contracts.matching import Role
from shared.oneroster_archive import MAX_UNCOMPRESSED_BYTES, ORGS, ROLES, USERS, Table, read_table, unzip
from shared.roster import GRADE_BANDS, PROFILE_COLUMNS, ParsedRoster, RosterFormatError, RosterRow, RowError, validate_row

METADATA: Final = "metadata.mentoring."
METADATA_FIELDS: Final = ("role", "subjects", "grade_bands", "years_experience", "language", *PROFILE_COLUMNS)
GRADE_CODES: Final = {
    **dict.fromkeys(("PK", "TK", "KG", "01", "02"), "K-2"),
    **dict.fromkeys(("03", "04", "05"), "3-5"),
    **dict.fromkeys(("06", "07", "08"), "6-8"),
    **dict.fromkeys(("09", "10", "11", "12", "13"), "9-12"),
}
NOT_K12: Final = frozenset({"IT", "PR", "PS", "UG", "OTHER"})


@dataclass
class _Archive:
    orgs: dict[str, tuple[str, str]]  # sourcedId -> (name, type)
    teaching: dict[str, list[tuple[int, str]]]  # user sourcedId -> (roles.csv line, org id) of teacher roles
    users: Table
    extensions: list[str]  # the metadata.mentoring.* fields present
    role: Role | None


def parse_oneroster(data: bytes, *, role: Role | None = None, max_uncompressed: int = MAX_UNCOMPRESSED_BYTES) -> ParsedRoster:
    """The teachers of a OneRoster 1.2 CSV ZIP as roster rows; bad rows reported with file, line, column, reason."""
    texts = unzip(data, max_uncompressed)
    users = read_table(USERS, texts[USERS])
    orgs_table = read_table(ORGS, texts[ORGS])
    roles_table = read_table(ROLES, texts[ROLES]) if ROLES in texts else None
    if roles_table is None and "role" not in users.header:
        raise RosterFormatError("users.csv has no role column and the archive no roles.csv: cannot tell who teaches")
    if roles_table is None and not {"orgSourcedIds", "primaryOrgSourcedId", "primaryOrg"} & set(users.header):
        raise RosterFormatError("users.csv has neither orgSourcedIds nor primaryOrgSourcedId, and there is no roles.csv")
    unknown = [c for c in users.header if c.startswith(METADATA) and c.removeprefix(METADATA) not in METADATA_FIELDS]
    if unknown:
        known = ", ".join(METADATA + f for f in METADATA_FIELDS)
        raise RosterFormatError(f"users.csv: unknown column(s) {', '.join(unknown)}; known: {known}")
    archive = _Archive(
        orgs={
            cells["sourcedId"].strip(): (cells["name"].strip(), cells["type"].strip().lower()) for _, cells in orgs_table.records
        },
        teaching=_teaching(roles_table.records if roles_table else []),
        users=users,
        extensions=[f for f in METADATA_FIELDS if METADATA + f in users.header],
        role=role,
    )
    return _rows(archive, users.errors + orgs_table.errors + (roles_table.errors if roles_table else []))


def _rows(archive: _Archive, errors: list[RowError]) -> ParsedRoster:
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    skipped = 0
    for line, cells in archive.users.records:
        if not _imported(archive, cells):
            skipped += 1
            continue
        row, problems = _teacher(archive, line, cells)
        id_column = "identifier" if _cell(cells, "identifier") else "sourcedId"
        if row is not None and row.external_id in seen:
            problems = [RowError(line, id_column, f"duplicate of line {seen[row.external_id]}", USERS)]
        if row is None or problems:
            errors.extend(problems)
            continue
        seen[row.external_id] = line
        rows.append(row)
    errors.sort(key=lambda e: (e.file or "", e.row))
    return ParsedRoster(rows, errors, skipped=skipped, lines=seen, file=USERS)


def _imported(archive: _Archive, cells: dict[str, str]) -> bool:
    """A teacher who is neither to be deleted nor disabled."""
    if _cell(cells, "status").lower() == "tobedeleted" or _cell(cells, "enabledUser").lower() == "false":
        return False
    return _cell(cells, "role").lower() == "teacher" or _cell(cells, "sourcedId") in archive.teaching


def _teacher(archive: _Archive, line: int, cells: dict[str, str]) -> tuple[RosterRow | None, list[RowError]]:
    """Validate one teacher; errors from the OneRoster columns first, then the row's own checks."""
    meta = {f: _cell(cells, METADATA + f) for f in archive.extensions}
    given = " ".join(
        part
        for part in (
            _cell(cells, "preferredGivenName") or _cell(cells, "givenName"),
            _cell(cells, "preferredFamilyName") or _cell(cells, "familyName"),
        )
        if part
    )
    values: dict[str, object] = {
        "external_id": _cell(cells, "identifier") or _cell(cells, "sourcedId"),
        "name": given,
        "email": _cell(cells, "email") or None,
        **{f: v for f, v in meta.items() if f not in {"role", "grade_bands", "language"}},
    }
    if meta.get("language"):
        values["language"] = meta["language"]
    columns = {f: METADATA + f for f in METADATA_FIELDS} | {
        "external_id": "identifier" if _cell(cells, "identifier") else "sourcedId",
        "name": "givenName",
        "email": "email",
        "school": "orgSourcedIds",
        "grade_bands": METADATA + "grade_bands" if meta.get("grade_bands") else "grades",
    }
    first: dict[str, list[RowError]] = {}  # model field -> errors found while reading the OneRoster columns
    role = meta.get("role") or (archive.role.value if archive.role else "")
    if role:
        values["role"] = role
    else:
        reason = "missing: give this column or the upload's ?role= (mentor, mentee or peer)"
        first["role"] = [RowError(line, METADATA + "role", reason, USERS)]
    school, first["school"] = _school(archive, line, cells)
    if school:
        values["school"] = school
    if meta.get("grade_bands"):
        values["grade_bands"] = meta["grade_bands"]
    else:
        values["grade_bands"], first["grade_bands"] = _bands(line, _cell(cells, "grades"))
    row, invalid = validate_row(line, values, columns, USERS)
    early = [e for errors in first.values() for e in errors]
    drop = {columns[f] for f, errors in first.items() if errors}
    return (row if not early else None), early + [e for e in invalid if e.field not in drop]


def _school(archive: _Archive, line: int, cells: dict[str, str]) -> tuple[str | None, list[RowError]]:
    """The first school among the user's primary org, teacher roles and orgs; unknown ids are errors."""
    primary_column = (
        "primaryOrg" if _cell(cells, "primaryOrg") and not _cell(cells, "primaryOrgSourcedId") else "primaryOrgSourcedId"
    )
    refs = [(line, primary_column, USERS, _cell(cells, primary_column))] if _cell(cells, primary_column) else []
    refs += [(at, "orgSourcedId", ROLES, org) for at, org in archive.teaching.get(_cell(cells, "sourcedId"), [])]
    refs += [(line, "orgSourcedIds", USERS, org) for org in _list(_cell(cells, "orgSourcedIds"))]
    errors = [
        RowError(at, column, f"'{org}' is not in orgs.csv", file) for at, column, file, org in refs if org not in archive.orgs
    ]
    schools = [archive.orgs[org][0] for *_, org in refs if archive.orgs.get(org, ("", ""))[1] == "school"]
    if errors or schools:
        return (schools[0] if schools and not errors else None), errors
    return None, [RowError(line, "orgSourcedIds", "none of the user's orgs is of type school", USERS)]


def _bands(line: int, grades: str) -> tuple[list[str] | None, list[RowError]]:
    """CEDS grade codes -> grade bands in their usual order; None when no K-12 grade is given."""
    bands, unknown = set(), []
    for code in _list(grades):
        key = code.upper()
        key = f"{int(key):02d}" if key.isdigit() and len(key) <= 2 else key
        if key in GRADE_CODES:
            bands.add(GRADE_CODES[key])
        elif key not in NOT_K12:
            unknown.append(code)
    if unknown:
        reason = f"'{unknown[0]}' is not a CEDS grade code (IT, PR, PK, TK, KG, 01-13, PS, UG, Other)"
        return None, [RowError(line, "grades", reason, USERS)]
    return [b for b in GRADE_BANDS if b in bands] or None, []


def _teaching(records: Iterable[tuple[int, dict[str, str]]]) -> dict[str, list[tuple[int, str]]]:
    """roles.csv: each user's teacher roles still in force, primary ones first."""
    found: dict[str, list[tuple[bool, int, str]]] = {}
    for line, cells in records:
        if _cell(cells, "role").lower() == "teacher" and _cell(cells, "status").lower() != "tobedeleted":
            primary = _cell(cells, "roleType").lower() == "primary"
            found.setdefault(_cell(cells, "userSourcedId"), []).append((not primary, line, _cell(cells, "orgSourcedId")))
    return {user: [(line, org) for _, line, org in sorted(roles)] for user, roles in found.items()}


def _cell(cells: dict[str, str], column: str) -> str:
    return (cells.get(column) or "").strip()


def _list(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(",") if part.strip()]
