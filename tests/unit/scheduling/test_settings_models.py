"""District calendars, availability and program cadences: defaults and validation (pure models)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.scheduling.cadence import ProgramCadence
from services.scheduling.school_calendar import Availability, ClosedPeriod, DistrictCalendar, known_zone


def test_an_empty_calendar_is_utc_monday_to_friday_with_the_default_window():
    calendar = DistrictCalendar()
    assert (calendar.time_zone, calendar.school_days) == ("UTC", ["mon", "tue", "wed", "thu", "fri"])
    assert calendar.meeting_window.bounds == (16 * 60, 18 * 60)
    assert calendar.closed_reason(date(2025, 3, 8)) == "2025-03-08 is not a school day"
    assert calendar.closed_reason(date(2025, 3, 10)) is None


def test_closed_days_ranges_and_the_term_close_days():
    calendar = DistrictCalendar(
        time_zone="America/Chicago",
        term_start=date(2025, 1, 6),
        term_end=date(2025, 5, 30),
        closed=[
            ClosedPeriod(start=date(2025, 1, 20), label="MLK Day"),
            ClosedPeriod(start=date(2025, 3, 17), end=date(2025, 3, 21), label="Spring break"),
        ],
    )
    assert calendar.closed_reason(date(2025, 1, 20)) == "2025-01-20 is closed: MLK Day"
    assert calendar.closed_reason(date(2025, 3, 21)) == "2025-03-21 is closed: Spring break"
    assert calendar.closed_reason(date(2025, 3, 24)) is None
    assert "outside the term" in (calendar.closed_reason(date(2025, 6, 2)) or "")
    assert "outside the term" in (calendar.closed_reason(date(2025, 1, 3)) or "")


@pytest.mark.parametrize(
    "bad",
    [
        {"time_zone": "Mars/Olympus_Mons"},
        {"time_zone": "../../etc/passwd"},
        {"term_start": "2025-06-01", "term_end": "2025-01-01"},
        {"closed": [{"start": "2025-03-21", "end": "2025-03-17", "label": "x"}]},
        {"closed": [{"start": "2025-03-21", "label": "  "}]},
        {"meeting_window": {"start": "18:00", "end": "16:00"}},
        {"meeting_window": {"start": "24:00", "end": "25:00"}},
        {"school_days": []},
        {"school_days": ["funday"]},
        {"holidays": []},
    ],
)
def test_a_bad_calendar_is_refused(bad):
    with pytest.raises(ValidationError):
        DistrictCalendar.model_validate(bad)


def test_time_zones_are_iana_names():
    assert known_zone("Pacific/Auckland") == "Pacific/Auckland"
    with pytest.raises(ValueError, match="IANA"):
        known_zone("PST")


def test_availability_windows_must_end_after_they_start():
    Availability.model_validate({"windows": [{"weekday": "mon", "start": "07:45", "end": "08:30"}]})
    with pytest.raises(ValidationError, match="after start"):
        Availability.model_validate({"windows": [{"weekday": "mon", "start": "08:30", "end": "08:30"}]})


def test_cadence_defaults_follow_the_issue():
    cadence = ProgramCadence()
    assert (cadence.check_ins.every_weeks, cadence.check_ins.duration_minutes) == (1, 60)  # type: ignore[union-attr]
    assert cadence.observation_cycle is not None and cadence.observation_cycle.every_weeks == 4
    assert [s.kind for s in cadence.observation_cycle.steps] == ["pre_conference", "observation", "debrief", "reflection"]
    assert (cadence.reminder_offsets_minutes, cadence.overdue_grace_hours) == ([1440, 60], 48)
    assert (cadence.induction_minimum_minutes, cadence.horizon_weeks) == (240, 4)


@pytest.mark.parametrize(
    "bad",
    [
        {"check_ins": {"every_weeks": 0}},
        {"check_ins": {"duration_minutes": 500}},
        {"observation_cycle": {"steps": []}},
        {"observation_cycle": {"steps": [{"kind": "check_in"}]}},
        {"observation_cycle": {"steps": [{"kind": "debrief"}, {"kind": "debrief"}]}},
        {"reminder_offsets_minutes": [0]},
        {"reminder_offsets_minutes": [60, 60]},
        {"reminder_offsets_minutes": [1, 2, 3, 4, 5, 6]},
        {"term_start": "2025-06-01", "term_end": "2025-01-01"},
        {"horizon_weeks": 0},
        {"cadence": "weekly"},
    ],
)
def test_a_bad_cadence_is_refused(bad):
    with pytest.raises(ValidationError):
        ProgramCadence.model_validate(bad)
