"""OneRoster 1.2 CSV archives read as roster rows (archives built in memory)."""

from __future__ import annotations

import io
import zipfile

import pytest

from shared.contracts.matching import Role
from shared.oneroster import parse_oneroster
from shared.roster import RosterFormatError

USERS_HEADER = (
    "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,"
    "sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,"
    "preferredFamilyName,primaryOrgSourcedId,pronouns"
)
ORGS = (
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
    "dist,,,Springfield District,district,,\n"
    "lin,,,Lincoln Middle,school,,dist\n"
    "ada,,,Adams High,school,,dist\n"
)
ROLES_HEADER = "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId"
MANIFEST = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.users,bulk\nfile.orgs,bulk\nfile.roles,bulk\n"


def user(source_id: str, *, given: str = "Ana", family: str = "Lopez", **cells: str) -> dict[str, str]:
    """One users.csv row as column -> cell (unnamed columns empty)."""
    return {"sourcedId": source_id, "enabledUser": "true", "givenName": given, "familyName": family, **cells}


def table(header: str, rows: list[dict[str, str]]) -> str:
    columns = header.split(",")
    extra = [c for row in rows for c in row if c not in columns]
    columns += list(dict.fromkeys(extra))
    lines = [",".join(columns)] + [",".join(f'"{row.get(c, "")}"' for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def roles(*entries: tuple[str, str, str]) -> str:
    """roles.csv from (user, role, org) triples; the first role of a user is primary."""
    seen: set[str] = set()
    lines = [ROLES_HEADER]
    for i, (who, role, org) in enumerate(entries):
        kind = "secondary" if who in seen else "primary"
        seen.add(who)
        lines.append(f"r{i},,,{who},{kind},{role},,,{org},")
    return "\n".join(lines) + "\n"


def archive(users: list[dict[str, str]], *, role_rows: str | None = "", orgs: str = ORGS, folder: str = "") -> bytes:
    """A OneRoster ZIP; ``role_rows`` "" derives teacher roles at each user's primary org, None leaves roles.csv out."""
    if role_rows == "":
        role_rows = roles(*[(u["sourcedId"], "teacher", u.get("primaryOrgSourcedId") or "lin") for u in users])
    files = {"manifest.csv": MANIFEST, "users.csv": table(USERS_HEADER, users), "orgs.csv": orgs}
    if role_rows is not None:
        files["roles.csv"] = role_rows
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(folder + name, text)
    return buffer.getvalue()


def test_a_teacher_becomes_a_roster_row():
    ana = user(
        "u1",
        identifier="T-1",
        email="ana@example.org",
        grades="06,07,08",
        preferredGivenName="Annie",
        primaryOrgSourcedId="lin",
    )
    ben = user("u2", given="Ben", family="Ng", grades="KG,01,IT", primaryOrgSourcedId="ada")
    parsed = parse_oneroster(archive([ana, ben], folder="export/"), role=Role.MENTEE)
    assert parsed.errors == [] and parsed.skipped == 0
    first, second = parsed.rows
    assert (first.external_id, first.name, first.email, first.role, first.school) == (
        "T-1",
        "Annie Lopez",
        "ana@example.org",
        Role.MENTEE,
        "Lincoln Middle",
    )
    assert first.grade_bands == ["6-8"] and first.subjects is None and first.years_experience is None
    assert (second.external_id, second.email, second.school, second.grade_bands) == ("u2", None, "Adams High", ["K-2"])
    assert second.profile_fields() == {"school": "Adams High", "grade_bands": ["K-2"]}
    assert parsed.lines == {"T-1": 2, "u2": 3} and parsed.file == "users.csv"


@pytest.mark.parametrize(
    ("grades", "bands"),
    [
        ("PK,TK,KG,01,02", ["K-2"]),
        ("03,04,05", ["3-5"]),
        ("08,06", ["6-8"]),
        ("09,10,11,12,13", ["9-12"]),
        ("12,02,7", ["K-2", "6-8", "9-12"]),
        ("IT,PR,PS,UG,Other", None),
        ("", None),
    ],
)
def test_grades_map_to_grade_bands(grades, bands):
    parsed = parse_oneroster(archive([user("u1", grades=grades)]), role=Role.MENTOR)
    assert parsed.rows[0].grade_bands == bands


def test_an_unknown_grade_code_is_a_row_error():
    parsed = parse_oneroster(archive([user("u1", grades="06,G7")]), role=Role.MENTOR)
    assert [(e.file, e.row, e.field) for e in parsed.errors] == [("users.csv", 2, "grades")]
    assert "'G7' is not a CEDS grade code" in parsed.errors[0].reason


def test_only_active_enabled_teachers_are_imported_the_rest_skipped():
    people = [
        user("t1"),
        user("t2", enabledUser="false"),
        user("t3", status="tobedeleted"),
        user("s1"),
        user("a1"),
        user("t4"),
    ]
    role_rows = roles(
        ("t1", "teacher", "lin"),
        ("t2", "teacher", "lin"),
        ("t3", "teacher", "lin"),
        ("s1", "student", "lin"),
        ("a1", "administrator", "dist"),
        ("t4", "aide", "lin"),
    )
    parsed = parse_oneroster(archive(people, role_rows=role_rows), role=Role.MENTOR)
    assert [r.external_id for r in parsed.rows] == ["t1"]
    assert parsed.skipped == 5 and parsed.errors == []


def test_a_withdrawn_teacher_role_does_not_count():
    role_rows = roles(("t1", "teacher", "lin")).replace("r0,,", "r0,tobedeleted,")
    parsed = parse_oneroster(archive([user("t1")], role_rows=role_rows), role=Role.MENTOR)
    assert (parsed.rows, parsed.skipped) == ([], 1)


def test_the_oneroster_1_1_layout_with_role_and_org_columns_in_users_csv():
    people = [user("t1", role="teacher", orgSourcedIds="dist,ada"), user("s1", role="student", orgSourcedIds="lin")]
    parsed = parse_oneroster(archive(people, role_rows=None), role=Role.MENTOR)
    assert [(r.external_id, r.school) for r in parsed.rows] == [("t1", "Adams High")] and parsed.skipped == 1


def test_the_school_is_the_primary_org_else_the_first_school_of_the_teacher_roles():
    role_rows = roles(("t1", "teacher", "dist"), ("t1", "teacher", "ada"), ("t2", "teacher", "lin"), ("t2", "teacher", "ada"))
    people = [user("t1", primaryOrgSourcedId="dist"), user("t2", primaryOrgSourcedId="ada")]
    parsed = parse_oneroster(archive(people, role_rows=role_rows), role=Role.MENTOR)
    assert [r.school for r in parsed.rows] == ["Adams High", "Adams High"]


def test_unknown_orgs_and_teachers_without_a_school_are_row_errors():
    people = [user("t1", primaryOrgSourcedId="gone"), user("t2"), user("t3"), user("t4", primaryOrgSourcedId="lin")]
    role_rows = roles(("t1", "teacher", "lin"), ("t2", "teacher", "nowhere"), ("t3", "teacher", "dist"), ("t4", "teacher", "lin"))
    parsed = parse_oneroster(archive(people, role_rows=role_rows), role=Role.MENTOR)
    assert [r.external_id for r in parsed.rows] == ["t4"]
    assert [(e.file, e.row, e.field) for e in parsed.errors] == [
        ("roles.csv", 3, "orgSourcedId"),
        ("users.csv", 2, "primaryOrgSourcedId"),
        ("users.csv", 4, "orgSourcedIds"),
    ]
    assert parsed.errors[0].reason == "'nowhere' is not in orgs.csv"
    assert parsed.errors[2].reason == "none of the user's orgs is of type school"


def test_an_unknown_id_in_org_sourced_ids_names_that_column():
    parsed = parse_oneroster(archive([user("t1", role="teacher", orgSourcedIds="lin,zz")], role_rows=None), role=Role.MENTOR)
    assert [(e.field, e.reason) for e in parsed.errors] == [("orgSourcedIds", "'zz' is not in orgs.csv")]


def test_metadata_columns_give_the_profile_and_override_role_and_grades():
    ana = user(
        "t1",
        grades="06",
        **{
            "metadata.mentoring.role": "mentor",
            "metadata.mentoring.subjects": "Math;Science",
            "metadata.mentoring.grade_bands": "9-12",
            "metadata.mentoring.years_experience": "12",
            "metadata.mentoring.language": "es",
            "metadata.mentoring.trained": "yes",
            "metadata.mentoring.capacity": "2",
            "metadata.mentoring.availability": "tue 15:30-16:30",
            "metadata.mentoring.exclusions": "t2",
            "metadata.jp.kanaGivenName": "ignored",
        },
    )
    ben = user("t2", grades="06", **{"metadata.mentoring.role": "", "metadata.mentoring.capacity": ""})
    parsed = parse_oneroster(archive([ana, ben]), role=Role.MENTEE)
    assert parsed.errors == []
    first, second = parsed.rows
    assert (first.role, first.language, second.role, second.language) == (Role.MENTOR, "es", Role.MENTEE, "en")
    assert first.profile_fields() == {
        "school": "Lincoln Middle",
        "subjects": ["math", "science"],
        "grade_bands": ["9-12"],
        "years_experience": 12,
        "availability": [{"weekday": "tue", "start": "15:30", "end": "16:30"}],
        "trained": True,
        "capacity": 2,
        "exclusions": ["t2"],
    }
    assert second.profile_fields() == {"school": "Lincoln Middle", "grade_bands": ["6-8"]}


def test_bad_metadata_cells_and_a_missing_role_are_row_errors_naming_the_column():
    bad = user("t1", **{"metadata.mentoring.role": "coach", "metadata.mentoring.availability": "tue 16:30-15:30"})
    unsure = user("t2", **{"metadata.mentoring.trained": "maybe"})
    parsed = parse_oneroster(archive([bad, unsure, user("t3", **{"metadata.mentoring.role": "peer"})]))
    assert [r.external_id for r in parsed.rows] == (["t3"] if "peer" in set(Role) else [])
    errors = [(e.file, e.row, e.field) for e in parsed.errors if e.row < 4]
    assert errors == [
        ("users.csv", 2, "metadata.mentoring.role"),
        ("users.csv", 2, "metadata.mentoring.availability"),
        ("users.csv", 3, "metadata.mentoring.role"),
        ("users.csv", 3, "metadata.mentoring.trained"),
    ]
    reasons = [e.reason for e in parsed.errors]
    assert "'coach': Input should be" in reasons[0] and reasons[1] == "'tue 16:30-15:30': end must be after start"
    assert reasons[2].startswith("missing: give this column or the upload's ?role=")


def test_external_ids_must_fit_and_be_unique():
    people = [user("u 1"), user("u2", identifier="T-1"), user("u3", identifier="T-1"), user("u4", email="not-an-address")]
    parsed = parse_oneroster(archive(people), role=Role.MENTOR)
    assert [r.external_id for r in parsed.rows] == ["T-1"]
    assert [(e.row, e.field) for e in parsed.errors] == [(2, "sourcedId"), (4, "identifier"), (5, "email")]
    assert parsed.errors[1].reason == "duplicate of line 3"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"users.csv,orgs.csv", "not a ZIP archive"),
        (archive([user("t1")], orgs="").replace(b"orgs.csv", b"orgz.csv"), "the archive has no orgs.csv"),
        (archive([user("t1")], role_rows=None), "no role column and the archive no roles.csv"),
        (archive([user("t1")], orgs="sourcedId,name\nlin,Lincoln\n"), "orgs.csv: missing column(s) type"),
        (archive([user("t1", **{"metadata.mentoring.subject": "math"})]), "unknown column(s) metadata.mentoring.subject"),
        (archive([user("t1")], role_rows="userSourcedId,role\n"), "roles.csv: missing column(s) orgSourcedId"),
    ],
    ids=["not-zip", "no-orgs", "no-roles", "org-columns", "metadata-typo", "role-columns"],
)
def test_unreadable_archives_are_refused_whole(data, message):
    with pytest.raises(RosterFormatError) as refused:
        parse_oneroster(data, role=Role.MENTOR)
    assert message in str(refused.value)


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("orgs.csv", ORGS)
        zf.writestr("users.csv", USERS_HEADER + "\n" + "0" * 60_000_000)
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(RosterFormatError, match="unpack to"):
        parse_oneroster(buffer.getvalue(), role=Role.MENTOR)


def test_a_member_larger_than_its_header_says_is_refused():
    data = archive([user("t1")] * 50)
    assert len(parse_oneroster(data, role=Role.MENTOR, max_uncompressed=20_000).errors) == 49  # duplicates
    with pytest.raises(RosterFormatError, match=r"users.csv (cannot be unpacked|: the archive's files unpack to more)"):
        parse_oneroster(_understate_sizes(data), role=Role.MENTOR, max_uncompressed=4000)


def _understate_sizes(data: bytes) -> bytes:
    """Rewrite every member's declared uncompressed size (local and central headers) to 10 bytes."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            out[info.header_offset + 22 : info.header_offset + 26] = (10).to_bytes(4, "little")
    central = out.find(b"PK\x01\x02")
    while central != -1:
        out[central + 24 : central + 28] = (10).to_bytes(4, "little")
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


def test_bad_csv_and_bad_text_inside_the_archive_name_the_file():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("orgs.csv", ORGS)
        zf.writestr("users.csv", "sourcedId,givenName,familyName,role,orgSourcedIds\n\xff".encode("latin-1"))
    with pytest.raises(RosterFormatError, match=r"users\.csv must be UTF-8 text"):
        parse_oneroster(buffer.getvalue(), role=Role.MENTOR)


def test_a_ragged_row_is_an_error_of_its_file():
    users = table(USERS_HEADER, [user("t1", primaryOrgSourcedId="lin")]) + "t2" + "," * 30 + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("orgs.csv", ORGS)
        zf.writestr("users.csv", users)
        zf.writestr("roles.csv", roles(("t1", "teacher", "lin")))
    parsed = parse_oneroster(buffer.getvalue(), role=Role.MENTOR)
    assert [r.external_id for r in parsed.rows] == ["t1"]
    assert [(e.file, e.row, e.field) for e in parsed.errors] == [("users.csv", 3, "row")]


def test_parsing_is_deterministic():
    people = [user(f"t{i}", grades="03", primaryOrgSourcedId="ada" if i % 2 else "lin") for i in range(20)]
    first, second = (parse_oneroster(archive(people), role=Role.MENTOR) for _ in range(2))
    assert first == second
