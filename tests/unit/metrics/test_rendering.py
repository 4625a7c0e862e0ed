"""Charts, pages and CSV exports drawn from figures: proportional marks, escaped text, neutralised cells."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from services.metrics import svg
from services.metrics.cells import Cell
from services.metrics.exports import FIGURE_COLUMNS, summaries_csv, weekly_csv
from services.metrics.report import district_page
from services.metrics.summary import Query
from services.metrics.views import district_summary, program_summary, school_summary, weekly

S = "{http://www.w3.org/2000/svg}"
QUERY = Query(as_of=datetime(2025, 10, 1, tzinfo=UTC), term="2025-26", k=2)


def test_bars_are_proportional_and_carry_their_values():
    root = ET.fromstring(svg.bar_chart("t", [("a", 2), ("b", 4), ("c", 0)]))
    bars = root.findall(f"{S}rect[@class='bar']")
    assert [(b.get("data-label"), b.get("data-value")) for b in bars] == [("a", "2"), ("b", "4"), ("c", "0")]
    heights = [float(b.get("height", -1)) for b in bars]
    assert heights[1] == pytest.approx(svg.plot_height(), abs=0.1) and heights[0] == pytest.approx(heights[1] / 2, abs=0.1)
    assert heights[2] == 0


def test_a_line_has_one_point_per_value_and_higher_values_sit_higher():
    root = ET.fromstring(svg.line_chart("t", [("w1", 1.0), ("w2", 3.0)]))
    points = root.findall(f"{S}circle")
    assert [p.get("data-value") for p in points] == ["1", "3"]
    assert float(points[1].get("cy", 0)) < float(points[0].get("cy", 0))


def test_text_in_charts_is_escaped():
    root = ET.fromstring(svg.bar_chart("<b>&", [('"><script>', 1)]))
    assert root.find(f"{S}title").text == "<b>&"  # type: ignore[union-attr]
    assert root.find(f"{S}rect").get("data-label") == '"><script>'  # type: ignore[union-attr]


def test_csv_suppressed_figures_are_empty_and_formulas_stay_text():
    shown = Cell(ratings={"4": 3})
    hidden = Cell(ratings={"4": 1})
    body = summaries_csv(
        ["school", "district"],
        [school_summary("D1", "=1+2", shown, QUERY), school_summary("D1", "@SUM(A1)", hidden, QUERY)],
    )
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["school"] for r in rows] == ["'=1+2", "'@SUM(A1)"]
    assert rows[0]["satisfaction.mean"] == "4.0" and rows[0]["satisfaction.distribution.4"] == "3"
    assert (
        rows[1]["satisfaction.mean"] == ""
        and rows[1]["satisfaction.distribution.4"] == ""
        and rows[1]["satisfaction.suppressed"] == "True"
    )
    assert list(rows[0]) == ["school", "district", *FIGURE_COLUMNS]


def test_weekly_csv_has_a_header_even_without_weeks():
    assert weekly_csv(weekly("program", "p", {}, 5)).splitlines() == [
        "week,enrolled,relationships_started,relationships_ended,meetings_completed,meetings_missed,meetings_cancelled,"
        "mentor_hours,responses,mean_rating,suppressed"
    ]


def test_the_district_page_parses_and_escapes_school_names():
    cell = Cell(programs=1, roles={"mentee": 1})
    page = district_page(
        district_summary("D1", cell, QUERY),
        weekly("district", "D1", {}, 2),
        [program_summary("p1", "D1", cell, QUERY)],
        [school_summary("D1", "<i>Lincoln</i> & co", cell, QUERY)],
    )
    root = ET.fromstring(page)
    text = "".join(root.itertext())
    assert "<i>Lincoln</i> & co" in text and "<i>" not in page.split("<body>")[1].replace("&lt;i&gt;", "")
