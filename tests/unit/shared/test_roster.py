import pytest

from shared.roster import RosterFormatError, parse_roster, participant_id

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
