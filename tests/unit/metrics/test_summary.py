"""How the figures follow from a cell: rates, medians, the 30-day cut, terms, and k-suppression."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.metrics.cells import Cell
from services.metrics.summary import Query, figures, median_hours, next_term, satisfaction, term_of
from services.metrics.views import weekly

AS_OF = datetime(2025, 10, 1, 12, tzinfo=UTC)
QUERY = Query(as_of=AS_OF, term="2025-26", k=5)
CELL = Cell(
    programs=2,
    roles={"mentor": 3, "mentee": 4, "peer": 1},
    matched=3,
    ttm_hours={"24": 1, "48": 1, "100": 1},
    unmatched_flagged=1,
    unmatched_days={"2025-09-01": 1, "2025-09-02": 2, "2025-09-20": 1},
    relationships={"active": 2, "ended": 4},
    end_reasons={"completed": 3, "early_mismatch": 1},
    at_risk_active=1,
    meetings={"scheduled": 2, "completed": 6, "missed": 2, "cancelled": 5},
    minutes=540,
    first_week="2025-09-01",
    last_week="2025-09-22",
    surveys_issued=10,
    surveys_submitted=5,
    ratings={"5": 3, "4": 1, "1": 1},
    recommends={"10": 2, "9": 1, "7": 1, "3": 1},
    retention={"2026-27": {"with_status": 4, "teaching": 3}, "2025-26": {"with_status": 9, "teaching": 1}},
    notifications={"sent": 7, "failed": 1},
    proposals={"proposed": 2, "approved": 3, "declined": 1},
)


def test_every_figure_of_a_cell():
    body = figures(CELL, QUERY).model_dump()
    assert body["participants"] == {"mentors": 3, "mentees": 4, "peers": 1} and body["enrolled"] == 8
    assert (body["matched_mentees"], body["match_rate"]) == (3, 3 / 5)
    assert body["median_days_to_match"] == 2.0
    assert body["unmatched_over_30_days"] == 1 + 1  # flagged, and enrolled 2025-09-01 (30 days before 2025-10-01)
    assert (body["active_relationships"], body["ended_relationships"], body["at_risk_relationships"]) == (2, 4, 1)
    assert body["completion_rate"] == 0.75 and body["early_closure_rate"]["early_mismatch"] == 0.25
    assert body["ended_by_reason"]["early_other"] == 0
    assert body["meeting_completion_rate"] == 0.75 and body["no_show_rate"] == 0.25  # cancelled count in neither
    assert body["mentor_hours_per_week"] == 540 / 60 / 4  # four weeks, first to last inclusive
    assert body["surveys"] == {"issued": 10, "submitted": 5, "response_rate": 0.5, "suppressed": False}
    assert body["satisfaction"]["mean"] == (15 + 4 + 1) / 5
    assert body["satisfaction"]["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 3}
    assert body["satisfaction"]["nps"] == (3 - 1) * 100 / 5
    assert body["retention"] == {"term": "2026-27", "with_status": 4, "teaching": 3, "rate": 0.75}
    assert body["proposals"] == {"proposed": 6, "approved": 3}


def test_below_k_every_survey_figure_is_null_and_flagged():
    body = figures(CELL, QUERY.model_copy(update={"k": 6})).model_dump()
    assert body["satisfaction"] == {
        "responses": 5,
        "mean": None,
        "distribution": None,
        "recommend_responses": 5,
        "nps": None,
        "suppressed": True,
        "nps_suppressed": True,
    }
    assert body["surveys"]["response_rate"] is None and body["surveys"]["suppressed"]
    assert body["match_rate"] == 3 / 5  # not survey-derived: never suppressed


def test_nps_is_suppressed_on_its_own_count():
    shown = satisfaction({"4": 5}, {"9": 2}, 5)
    assert shown.mean == 4 and not shown.suppressed and shown.nps is None and shown.nps_suppressed


def test_an_empty_cell_has_zeros_and_nulls():
    body = figures(Cell(), QUERY).model_dump()
    assert body["enrolled"] == 0 and body["match_rate"] is None and body["median_days_to_match"] is None
    assert body["mentor_hours_per_week"] is None and body["completion_rate"] is None
    assert body["retention"]["rate"] is None and body["satisfaction"]["suppressed"]


@pytest.mark.parametrize(
    ("histogram", "median"),
    [({"5": 1}, 5), ({"1": 1, "3": 1}, 2), ({"1": 2, "9": 1}, 1), ({"0": 1, "2": 2, "10": 1}, 2), ({}, None)],
)
def test_median_of_a_histogram(histogram, median):
    assert median_hours(histogram) == median


@pytest.mark.parametrize(
    ("day", "term", "following"),
    [
        (date(2025, 8, 1), "2025-26", "2026-27"),
        (date(2026, 7, 31), "2025-26", "2026-27"),
        (date(2099, 12, 1), "2099-00", "2100-01"),
    ],
)
def test_terms_start_in_august(day, term, following):
    assert term_of(day) == term and next_term(term) == following


def test_cells_add_up_and_join_their_weeks():
    total = Cell(first_week="2025-09-08", last_week="2025-09-08", ttm_hours={"1": 1}).add(CELL)
    assert total.first_week == "2025-09-01" and total.last_week == "2025-09-22" and total.ttm_hours["1"] == 1
    doubled = Cell().add(CELL).add(CELL)
    assert doubled.retention["2026-27"] == {"with_status": 8, "teaching": 6} and doubled.minutes == 1080
    assert Cell.from_doc({**CELL.to_doc(), "_id": "program:x", "v": 3}) == CELL


def test_weekly_series_fill_quiet_weeks_and_suppress_small_means():
    series = {
        "2025-09-01": {"completed": 2, "minutes": 90, "responses": 5, "rating_sum": 20},
        "2025-09-15": {"responses": 1, "rating_sum": 5},
    }
    weeks = weekly("program", "p", series, 5).weeks
    assert [w.week for w in weeks] == ["2025-09-01", "2025-09-08", "2025-09-15"]
    assert (weeks[0].mentor_hours, weeks[0].mean_rating, weeks[0].suppressed) == (1.5, 4.0, False)
    assert (weeks[2].mean_rating, weeks[2].suppressed) == (None, True)
    far = weekly("program", "p", {"2025-09-01": {}, "2045-09-04": {}}, 5).weeks
    assert len(far) == 2  # a date years away is not padded with a thousand empty weeks


def test_a_cell_document_holds_every_field_and_shares_no_tally_with_the_cell():
    cell = Cell(programs=2, roles={"mentee": 3}, retention={"2025-26": {"teaching": 2}}, first_week="2025-09-01", minutes=90)
    doc = cell.to_doc()
    assert Cell.from_doc(doc) == cell and set(doc) == set(Cell().to_doc())
    doc["roles"]["mentee"] = 0
    doc["retention"]["2025-26"]["teaching"] = 0
    assert cell.roles == {"mentee": 3} and cell.retention == {"2025-26": {"teaching": 2}}
