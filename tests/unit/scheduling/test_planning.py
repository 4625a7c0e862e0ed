"""The first-meetings rule of services/scheduling/domain.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise

import pytest

from services.scheduling.domain import as_utc, plan_first_meetings
from shared.contracts.scheduling import MeetingKind

CYCLE = [MeetingKind.PRE_CONFERENCE, MeetingKind.OBSERVATION, MeetingKind.DEBRIEF]


def _at(day: str, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=UTC)


def _days(plan: list) -> list[str]:
    return [m.starts_at.date().isoformat() for m in plan]


def test_weekday_start_checks_in_next_day_and_observes_a_week_later():
    plan = plan_first_meetings(_at("2025-03-04"))  # Tuesday
    assert [m.kind for m in plan] == [MeetingKind.CHECK_IN, *CYCLE]
    assert _days(plan) == ["2025-03-05", "2025-03-11", "2025-03-12", "2025-03-13"]
    assert [m.duration_minutes for m in plan] == [60, 30, 45, 30]
    assert all(m.starts_at.timetz() == time(16, 0, tzinfo=UTC) for m in plan)


def test_friday_start_checks_in_on_monday_and_cycle_runs_fri_mon_tue():
    plan = plan_first_meetings(_at("2025-03-07", 23, 59))  # Friday, late
    assert _days(plan) == ["2025-03-10", "2025-03-14", "2025-03-17", "2025-03-18"]


@pytest.mark.parametrize("start", ["2025-03-08", "2025-03-09"])  # Saturday, Sunday
def test_weekend_start_checks_in_on_monday_and_cycle_starts_on_a_monday(start):
    plan = plan_first_meetings(_at(start, 12))
    assert _days(plan) == ["2025-03-10", "2025-03-17", "2025-03-18", "2025-03-19"]


def test_thursday_start_cycle_skips_the_weekend():
    plan = plan_first_meetings(_at("2025-03-06"))  # Thursday
    assert _days(plan) == ["2025-03-07", "2025-03-13", "2025-03-14", "2025-03-17"]


def test_offset_start_is_read_in_utc_and_naive_start_as_utc():
    # Monday 23:30 in UTC-05:00 is Tuesday 04:30 UTC.
    monday_evening_new_york = datetime(2025, 3, 3, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert _days(plan_first_meetings(monday_evening_new_york))[0] == "2025-03-05"
    assert plan_first_meetings(datetime(2025, 3, 4, 9)) == plan_first_meetings(_at("2025-03-04"))


def test_every_start_over_three_weeks_keeps_the_documented_bounds():
    start = _at("2025-02-24", 0, 7)  # a Monday
    for hours in range(0, 21 * 24, 5):
        started_at = start + timedelta(hours=hours)
        plan = plan_first_meetings(started_at)
        check_in, *cycle = plan
        start_day = started_at.date()
        assert all(m.starts_at.weekday() < 5 for m in plan), started_at
        assert started_at < check_in.starts_at <= started_at + timedelta(days=7), started_at
        assert 1 <= (check_in.starts_at.date() - start_day).days <= 3, started_at
        assert 7 <= (cycle[0].starts_at.date() - start_day).days <= 9, started_at
        assert (cycle[-1].starts_at.date() - start_day).days <= 11, started_at
        # consecutive school days: the next meeting is the next weekday
        for earlier, later in pairwise(cycle):
            gap = (later.starts_at.date() - earlier.starts_at.date()).days
            assert gap == (3 if earlier.starts_at.weekday() == 4 else 1), started_at


def test_same_start_gives_the_same_plan():
    assert plan_first_meetings(_at("2025-03-04", 10)) == plan_first_meetings(_at("2025-03-04", 10))


def test_as_utc_converts_offsets_and_reads_naive_as_utc():
    assert as_utc(datetime(2025, 3, 4, 9)) == _at("2025-03-04", 9)
    assert as_utc(datetime(2025, 3, 4, 4, tzinfo=timezone(timedelta(hours=-5)))).hour == 9
