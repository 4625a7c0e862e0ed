"""The planner (services/scheduling/domain.py): slots on open days, inside everyone's availability, in the
district's time zone; check-in periods, observation cycles, the horizon."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.scheduling.cadence import CheckIns, ObservationCycle, Step
from services.scheduling.domain import (
    OpenDays,
    Planner,
    as_utc,
    common_spans,
    plan_check_ins,
    plan_cycles,
    reschedule_refusal,
)
from services.scheduling.school_calendar import Availability, ClosedPeriod, DistrictCalendar, Span, Window
from shared.contracts.scheduling import MeetingKind

CHECK_IN = MeetingKind.CHECK_IN
UTC_DAYS = OpenDays(DistrictCalendar())
LA = ZoneInfo("America/Los_Angeles")


def _at(day: str, hour: int = 9, minute: int = 0, zone: ZoneInfo | None = None) -> datetime:
    local = datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=zone or UTC)
    return local.astimezone(UTC)


WEEKLY = CheckIns()


def _check_ins(days: OpenDays, start: datetime, weeks: int = 4, people=(None, None), rule=WEEKLY, now=None):
    planner = Planner(days, list(people))
    now = now or start
    return plan_check_ins(planner, rule, CHECK_IN, start, now, max(now, start) + timedelta(weeks=weeks), {})


def _starts(meetings) -> list[str]:
    return [m.starts_at.isoformat().replace("+00:00", "Z") for m in meetings]


def test_default_check_ins_are_weekly_at_16_from_the_next_day():
    plan = _check_ins(UTC_DAYS, _at("2025-03-04", 9, 30))  # a Tuesday
    assert _starts(plan) == ["2025-03-05T16:00:00Z", "2025-03-12T16:00:00Z", "2025-03-19T16:00:00Z", "2025-03-26T16:00:00Z"]
    assert [m.index for m in plan] == [1, 2, 3, 4] and {m.duration_minutes for m in plan} == {60}


def test_friday_and_weekend_starts_check_in_on_monday():
    for start in ("2025-03-07", "2025-03-08", "2025-03-09"):
        assert _starts(_check_ins(UTC_DAYS, _at(start, 23, 59)))[0] == "2025-03-10T16:00:00Z", start


def test_a_closed_week_has_no_check_in_and_the_first_falls_on_the_first_open_day_after_it():
    calendar = DistrictCalendar(closed=[ClosedPeriod(start=date(2025, 4, 14), end=date(2025, 4, 18), label="Spring break")])
    plan = _check_ins(OpenDays(calendar), _at("2025-04-11", 12))  # the Friday before
    assert _starts(plan)[0] == "2025-04-21T16:00:00Z"
    assert plan[0].index == 2  # period 1 (the closed week) has none


def test_times_are_local_wall_clock_across_a_daylight_saving_change():
    calendar = DistrictCalendar(time_zone="America/Los_Angeles")
    plan = _check_ins(OpenDays(calendar), _at("2025-03-04", 10, zone=LA))  # DST starts Sunday 9 March
    local = [m.starts_at.astimezone(LA).strftime("%a %d %H:%M") for m in plan]
    assert local == ["Wed 05 16:00", "Wed 12 16:00", "Wed 19 16:00", "Wed 26 16:00"]
    assert _starts(plan)[:2] == ["2025-03-06T00:00:00Z", "2025-03-12T23:00:00Z"]


def test_both_availabilities_decide_and_someone_without_any_gets_the_default_window():
    mentor = Availability(
        windows=[Window(weekday="thu", start="07:30", end="09:00"), Window(weekday="fri", start="15:00", end="17:30")]
    )
    mentee = Availability(
        windows=[Window(weekday="thu", start="08:00", end="08:30"), Window(weekday="fri", start="16:15", end="18:00")]
    )
    plan = _check_ins(UTC_DAYS, _at("2025-03-04"), people=(mentor, mentee))
    assert _starts(plan)[0] == "2025-03-07T16:15:00Z"  # Thursday's shared half hour is too short
    alone = _check_ins(UTC_DAYS, _at("2025-03-04"), people=(mentor, None))
    assert _starts(alone)[0] == "2025-03-07T16:00:00Z"  # Friday 16:00-17:30: the mentor's window ∩ the default one
    never = Availability(windows=[])
    assert _check_ins(UTC_DAYS, _at("2025-03-04"), people=(mentor, never)) == []


def test_common_spans_intersect_every_persons_windows():
    default = Span(start="16:00", end="18:00")
    one = Availability(
        windows=[Window(weekday="mon", start="15:00", end="16:30"), Window(weekday="mon", start="17:00", end="19:00")]
    )
    assert common_spans("mon", [one, None], default) == [(960, 990), (1020, 1080)]
    assert common_spans("tue", [one, None], default) == []
    assert common_spans("tue", [None, None], default) == [(960, 1080)]


def test_preferred_weekday_and_every_other_week():
    rule = CheckIns(every_weeks=2, weekday="thu", duration_minutes=45)
    plan = _check_ins(UTC_DAYS, _at("2025-03-04"), weeks=6, rule=rule)
    assert _starts(plan) == ["2025-03-06T16:00:00Z", "2025-03-20T16:00:00Z", "2025-04-03T16:00:00Z"]


def test_nothing_before_or_after_the_term():
    calendar = DistrictCalendar(term_start=date(2025, 3, 17), term_end=date(2025, 3, 28))
    plan = _check_ins(OpenDays(calendar), _at("2025-03-04"), weeks=8)
    # one check-in per period (Wednesday to Tuesday): the one of 12-18 March falls on the term's first day
    assert _starts(plan) == ["2025-03-17T16:00:00Z", "2025-03-19T16:00:00Z", "2025-03-26T16:00:00Z"]
    program_term = OpenDays(DistrictCalendar(), term_start=date(2025, 3, 20))
    assert _starts(_check_ins(program_term, _at("2025-03-04")))[0] == "2025-03-20T16:00:00Z"


def test_periods_that_are_over_are_never_planned():
    later = _at("2025-06-02", 8)  # three months after the start
    plan = _check_ins(UTC_DAYS, _at("2025-03-04"), now=later)
    assert plan[0].starts_at == _at("2025-06-02", 16) and plan[0].index == 13  # the rest of the period of 28 May


def test_an_observation_cycle_runs_on_consecutive_open_days_and_avoids_busy_times():
    planner = Planner(UTC_DAYS, [None, None], busy=[(_at("2025-03-12", 16), _at("2025-03-12", 17))])
    start = _at("2025-03-04", 9, 30)
    plan = plan_cycles(planner, ObservationCycle(), start, start, start + timedelta(weeks=4), {})
    assert [(m.kind.value, m.index) for m in plan] == [
        ("pre_conference", 1),
        ("observation", 1),
        ("debrief", 1),
        ("reflection", 1),
    ]
    assert _starts(plan) == ["2025-03-11T16:00:00Z", "2025-03-12T17:00:00Z", "2025-03-13T16:00:00Z", "2025-03-14T16:00:00Z"]


def test_a_step_the_same_day_follows_the_previous_one_and_stored_steps_anchor_the_rest():
    cycle = ObservationCycle(
        steps=[Step(kind="observation", days_after_previous=0, duration_minutes=45), Step(kind="debrief", days_after_previous=0)]
    )
    start = _at("2025-03-04", 9, 30)
    plan = plan_cycles(Planner(UTC_DAYS, [None, None]), cycle, start, start, start + timedelta(weeks=2), {})
    assert _starts(plan) == ["2025-03-11T16:00:00Z", "2025-03-11T16:45:00Z"]
    moved = {(MeetingKind.OBSERVATION, 1): (_at("2025-03-13", 16), _at("2025-03-13", 16, 45))}
    anchored = plan_cycles(Planner(UTC_DAYS, [None, None]), cycle, start, start, start + timedelta(weeks=2), moved)
    assert [(m.kind, _starts([m])[0]) for m in anchored] == [(MeetingKind.DEBRIEF, "2025-03-13T16:45:00Z")]


def test_cycles_begin_every_n_weeks_within_the_horizon():
    start = _at("2025-03-04", 9, 30)
    plan = plan_cycles(Planner(UTC_DAYS, [None]), ObservationCycle(every_weeks=2), start, start, start + timedelta(weeks=4), {})
    assert [m.starts_at.date().isoformat() for m in plan if m.kind is MeetingKind.PRE_CONFERENCE] == [
        "2025-03-11",
        "2025-03-25",
    ]


def test_reschedule_refusals_name_the_reason():
    calendar = DistrictCalendar(closed=[ClosedPeriod(start=date(2025, 3, 17), label="Staff day")], term_end=date(2025, 6, 1))
    days, now = OpenDays(calendar), _at("2025-03-04")
    assert reschedule_refusal(days, _at("2025-03-18", 16), now) is None
    assert "Staff day" in (reschedule_refusal(days, _at("2025-03-17", 16), now) or "")
    assert "not a school day" in (reschedule_refusal(days, _at("2025-03-15", 16), now) or "")
    assert "outside the term" in (reschedule_refusal(days, _at("2025-06-02", 16), now) or "")
    assert "not in the future" in (reschedule_refusal(days, _at("2025-03-03", 16), now) or "")
    assert "days ahead" in (reschedule_refusal(days, _at("2029-03-03", 16), now) or "")


def test_as_utc_converts_offsets_and_reads_naive_as_utc():
    assert as_utc(datetime(2025, 3, 4, 9)) == _at("2025-03-04", 9)
    assert as_utc(_at("2025-03-04", 4, zone=ZoneInfo("America/New_York"))).hour == 9
