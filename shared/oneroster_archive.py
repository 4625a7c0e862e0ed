"""The files of a OneRoster CSV export (a ZIP): found at the root or in one folder, unpacked within a byte budget
(a zip bomb is refused), decoded as UTF-8 and read as CSV tables whose required columns are checked.

Everything that makes the archive as a whole unreadable raises ``RosterFormatError``; a line with more cells
than the header is a row error of its table.
"""

from __future__ import annotations

import csv
import io
import lzma
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Final

from shared.roster import RosterFormatError, RowError

MAX_UNCOMPRESSED_BYTES: Final = 50 * 1024 * 1024
USERS, ORGS, ROLES = "users.csv", "orgs.csv", "roles.csv"
REQUIRED: Final = {
    USERS: ("sourcedId", "givenName", "familyName"),
    ORGS: ("sourcedId", "name", "type"),
    ROLES: ("userSourcedId", "role", "orgSourcedId"),
}
_UNPACK_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError)


@dataclass
class Table:
    file: str
    header: list[str]
    records: list[tuple[int, dict[str, str]]]  # (line, cells)
    errors: list[RowError] = field(default_factory=list)


def read_table(file: str, text: str) -> Table:
    """Read one CSV file of the archive; a file the csv module cannot read, or without its columns, is refused."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        repeated = sorted({h for h in header if header.count(h) > 1})
        if repeated:
            raise RosterFormatError(f"{file}: repeated column(s) {', '.join(repeated)}")
        missing = [c for c in REQUIRED[file] if c not in header]
        if missing:
            raise RosterFormatError(f"{file}: missing column(s) {', '.join(missing)}; required: {', '.join(REQUIRED[file])}")
        reader.fieldnames = header
        table = Table(file, header, [])
        for record in reader:
            if None in record:
                table.errors.append(RowError(reader.line_num, "row", "more cells than header columns", file))
            else:
                table.records.append((reader.line_num, {k: v for k, v in record.items() if v is not None}))
        return table
    except csv.Error as exc:
        raise RosterFormatError(f"{file} line {reader.line_num}: {exc}") from exc


def unzip(data: bytes, limit: int) -> dict[str, str]:
    """The text of users.csv, orgs.csv and (if present) roles.csv; never unpacks more than ``limit`` bytes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RosterFormatError(f"not a ZIP archive: {exc}") from exc
    with archive:
        members: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            name = _base(info)
            if name in REQUIRED and not info.is_dir() and not info.filename.startswith("__MACOSX/"):
                if name in members:
                    raise RosterFormatError(f"the archive holds more than one {name}")
                members[name] = info
        missing = [name for name in (USERS, ORGS) if name not in members]
        if missing:
            raise RosterFormatError(f"the archive has no {' and no '.join(missing)}; a OneRoster CSV export has both")
        declared = sum(info.file_size for info in members.values())
        if declared > limit:
            raise RosterFormatError(f"the archive's files unpack to {declared} bytes; at most {limit} are accepted")
        raw: dict[str, bytes] = {}
        for name, info in members.items():
            raw[name] = _unpack(archive, info, limit - sum(len(b) for b in raw.values()))
    return {name: _decode(name, data) for name, data in raw.items()}


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """One member's bytes, unpacking at most ``budget`` of them (a member's header may understate its size)."""
    try:
        with archive.open(info) as member:
            data = member.read(budget + 1)
    except (*_UNPACK_ERRORS, zlib.error, lzma.LZMAError) as exc:
        raise RosterFormatError(f"{_base(info)} cannot be unpacked: {exc}") from exc
    if len(data) > budget:
        raise RosterFormatError(f"{_base(info)}: the archive's files unpack to more bytes than accepted")
    return data


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFormatError(f"{name} must be UTF-8 text: {exc.reason} at byte {exc.start}") from exc


def _base(info: zipfile.ZipInfo) -> str:
    return info.filename.rsplit("/", 1)[-1]
