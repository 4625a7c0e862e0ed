import pytest

from shared.contracts.matching import Role
from shared.roster import RosterFormatError, RosterRow, parse_roster, participant_id

HEADER = "external_id,name,email,role,school,subjects,grade_bands,years_experience,language\n"


def test_valid_rows_kept_and_invalid_rows_reported_by_line_and_field():
    text = HEADER + (
        "T1,Ana,ana@example.org,mentor,Lincoln,Math; Science,6-8;9-12,12,es\n"
        "T2,Ben,ben@example,mentee,Lincoln,math,6-8,1,\n"
        "T3,Cleo,cleo@example.org,coach,Lincoln,math,6-8,1,\n"
        "T4,Dev,dev@example.org,mentee,Lincoln,math,13,1,\n"
        "T1,Eve,eve@example.org,mentee,Lincoln,math,6-8,x,\n"
        "T6,Fay,fay@example.org,mentee,Lincoln,math,6-8,2,\n"
        "T1,Gus,gus@example.org,mentee,Lincoln,math,6-8,2,\n"
    )
    parsed = parse_roster(text)
    assert [r.external_id for r in parsed.rows] == ["T1", "T6"]
    assert parsed.rows[0].subjects == ["math", "science"] and parsed.rows[0].language == "es"
    assert parsed.rows[1].language == "en"
    errors = {(e.row, e.field) for e in parsed.errors}
    assert errors == {(3, "email"), (4, "role"), (5, "grade_bands"), (6, "years_experience"), (8, "external_id")}
    assert "duplicate of line 2" in next(e.reason for e in parsed.errors if e.row == 8)


def test_missing_columns_reject_the_file():
    try:
        parse_roster("external_id,name\nT1,Ana\n")
    except RosterFormatError as exc:
        assert "email" in str(exc) and "role" in str(exc)
    else:
        raise AssertionError("a roster without required columns must be rejected")


def test_extra_cells_are_a_row_error_and_ids_are_per_district():
    parsed = parse_roster(HEADER + "T1,Ana,ana@example.org,mentor,L,math,6-8,3,en,EXTRA\n")
    assert parsed.rows == [] and parsed.errors[0].field == "row"
    assert participant_id("D1", "T1") != participant_id("D2", "T1")


@pytest.mark.parametrize(
    "body", ["T1,An\ra,a@example.org,mentor,L,math,6-8,3,en\n", "T1," + "x" * 200_000 + "\n"], ids=["bare-cr", "huge-field"]
)
def test_a_file_the_csv_reader_cannot_read_is_refused_whole_with_its_line(body):
    with pytest.raises(RosterFormatError, match="line"):
        parse_roster(HEADER + body)


PROFILE_HEADER = HEADER.rstrip("\n") + ",credentials,expertise,languages,support_style,availability,trained,capacity,exclusions\n"
BASE = "T1,Ana,ana@example.org,mentor,Lincoln,math,6-8,12,en"


def one(cells: str, *, header: str = PROFILE_HEADER) -> tuple[dict[str, object] | None, list[tuple[str, str]]]:
    """Parse a single data row; its profile fields when valid, and its (column, reason) errors."""
    parsed = parse_roster(header + cells + "\n")
    assert len(parsed.rows) + bool(parsed.errors) == 1
    return (parsed.rows[0].profile_fields() if parsed.rows else None), [(e.field, e.reason) for e in parsed.errors]


def test_every_profile_column_parses_to_plain_values():
    cells = f"{BASE},NBCT; ESL ;nbct,Classroom Management;Family engagement,EN; es ;pt-BR,Collaborative,"
    cells += "tue 15:30-16:30; Thursday 8:00-8:45;tue 15:30-16:30,Yes,3,T2;S-1.b"
    fields, errors = one(cells)
    assert errors == []
    assert fields == {
        "school": "Lincoln",
        "subjects": ["math"],
        "grade_bands": ["6-8"],
        "years_experience": 12,
        "credentials": ["nbct", "esl"],
        "expertise": ["classroom management", "family engagement"],
        "languages": ["en", "es", "pt-br"],
        "support_style": "collaborative",
        "availability": [
            {"weekday": "tue", "start": "15:30", "end": "16:30"},
            {"weekday": "thu", "start": "08:00", "end": "08:45"},
        ],
        "trained": True,
        "capacity": 3,
        "exclusions": ["T2", "S-1.b"],
    }


@pytest.mark.parametrize("header", [HEADER, PROFILE_HEADER], ids=["absent-columns", "empty-cells"])
def test_absent_columns_and_empty_cells_are_not_given(header):
    cells = BASE + ("," * 8 if header == PROFILE_HEADER else "")
    parsed = parse_roster(header + cells + "\n")
    row = parsed.rows[0]
    assert (row.credentials, row.expertise, row.languages, row.support_style) == (None, None, None, None)
    assert (row.availability, row.trained, row.capacity, row.exclusions) == (None, None, None, None)
    assert set(row.profile_fields()) == {"school", "subjects", "grade_bands", "years_experience"}


@pytest.mark.parametrize(
    ("word", "value"), [("yes", True), ("TRUE", True), ("1", True), ("No", False), ("false", False), ("0", False)]
)
def test_trained_accepts_yes_no_true_false_one_zero(word, value):
    fields, _ = one(f"{BASE},,,,,,{word},,")
    assert fields is not None and fields["trained"] is value


@pytest.mark.parametrize(
    ("column", "cell", "reason"),
    [
        ("credentials", "x" * 81, "at most 80 characters"),
        ("languages", "english", "'english' is not a language tag"),
        ("support_style", "bossy", "'bossy': Input should be 'directive', 'collaborative' or 'facilitative'"),
        ("availability", "tue 16:30-15:30", "'tue 16:30-15:30': end must be after start"),
        ("availability", "tue 15:30-15:30", "end must be after start"),
        ("availability", "someday 10:00-11:00", "'someday 10:00-11:00': weekday must be one of mon, tue"),
        ("availability", "tue 25:00-26:00", "'tue 25:00-26:00': 25:00 is not a 24-hour time HH:MM"),
        ("availability", "tue 15:30", "use 'weekday HH:MM-HH:MM'"),
        ("trained", "maybe", "'maybe': use yes/no, true/false or 1/0"),
        ("capacity", "51", "'51': Input should be less than or equal to 50"),
        ("capacity", "-1", "greater than or equal to 0"),
        ("capacity", "two", "valid integer"),
        ("exclusions", "T2;bad id", "'bad id': String should match pattern"),
    ],
)
def test_a_bad_profile_cell_rejects_the_row_naming_column_and_reason(column, cell, reason):
    cells = ["", "", "", "", "", "", "", ""]
    cells[PROFILE_HEADER.rstrip().split(",").index(column) - 9] = f'"{cell}"'
    parsed = parse_roster(PROFILE_HEADER + f"{BASE},{','.join(cells)}\n" + "T9,Bo,bo@example.org,mentee,L,math,6-8,1,,,,,,,,,\n")
    assert [r.external_id for r in parsed.rows] == ["T9"], "the other rows are kept"
    assert [(e.row, e.field) for e in parsed.errors] == [(2, column)]
    assert reason in parsed.errors[0].reason


def test_required_cells_stay_required_in_the_plain_csv():
    parsed = parse_roster(HEADER + "T1,Ana,,mentor,Lincoln, ; ,6-8,,en\n")
    assert {(e.field, e.reason) for e in parsed.errors} == {
        ("email", "missing: a value is required"),
        ("subjects", "missing: a value is required"),
        ("years_experience", "missing: a value is required"),
    }


def test_every_role_of_the_contract_is_accepted():
    rows = "".join(f"T{i},Ana,a{i}@example.org,{role.value},L,math,6-8,3,en\n" for i, role in enumerate(Role))
    parsed = parse_roster(HEADER + rows)
    assert [r.role for r in parsed.rows] == list(Role) and parsed.errors == []
    assert parse_roster(HEADER + "T1,Ana,a@example.org,coach,L,math,6-8,3,en\n").errors[0].field == "role"


def test_lines_map_each_kept_row_to_its_line():
    parsed = parse_roster(
        HEADER + "T1,Ana,ana@example.org,mentor,L,math,6-8,3,en\nT2,x,bad,mentee,L,math,6-8,3,en\n" + BASE + "\n"
    )
    assert parsed.lines == {"T1": 2} and parsed.file is None and parsed.skipped == 0


def test_a_row_survives_a_round_trip_through_its_plain_values():
    fields, _ = one(f"{BASE},NBCT,,en,directive,mon 9:00-10:00,no,1,T2")
    row = parse_roster(PROFILE_HEADER + f"{BASE},NBCT,,en,directive,mon 9:00-10:00,no,1,T2\n").rows[0]
    assert RosterRow.model_validate(row.model_dump()) == row
    assert fields is not None and fields["availability"] == [{"weekday": "mon", "start": "09:00", "end": "10:00"}]
