"""Properties of the planner over random calendars, availabilities, cadences and starts (hypothesis):
never on a closed day, never outside the term, always inside everyone's availability (or the default window),
never overlapping, never in the past, one check-in per period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scheduling.cadence import CheckIns, ObservationCycle, Step
from services.scheduling.domain import OpenDays, Planner, plan_check_ins, plan_cycles
from services.scheduling.school_calendar import WEEKDAYS, Availability, ClosedPeriod, DistrictCalendar, Window
from shared.contracts.scheduling import MeetingKind

ZONES = ["UTC", "America/Los_Angeles", "America/New_York", "Europe/Paris", "Australia/Sydney", "Asia/Kolkata"]


@st.composite
def windows(draw: st.DrawFn) -> Availability | None:
    if draw(st.booleans()):
        return None
    found = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(6 * 4, 19 * 4)) * 15
        end = min(start + draw(st.integers(2, 16)) * 15, 24 * 60 - 1)
        found.append(Window(weekday=draw(st.sampled_from(WEEKDAYS)), start=_clock(start), end=_clock(end)))
    return Availability(windows=found)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    start_day = draw(st.dates(date(2025, 1, 1), date(2026, 12, 31)))
    started_at = datetime.combine(start_day, datetime.min.time(), tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 1439)))
    closed = []
    for _ in range(draw(st.integers(0, 6))):
        first = start_day + timedelta(days=draw(st.integers(-10, 90)))
        closed.append(ClosedPeriod(start=first, end=first + timedelta(days=draw(st.integers(0, 12))), label="closed"))
    term_start = draw(st.none() | st.just(start_day + timedelta(days=draw(st.integers(-30, 30)))))
    term_end = draw(st.none() | st.just((term_start or start_day) + timedelta(days=draw(st.integers(20, 200)))))
    calendar = DistrictCalendar(
        time_zone=draw(st.sampled_from(ZONES)),
        term_start=term_start,
        term_end=term_end,
        school_days=draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True)),
        closed=closed,
    )
    steps = draw(st.permutations(["pre_conference", "observation", "debrief", "reflection"]))[: draw(st.integers(1, 4))]
    cycle = ObservationCycle(
        every_weeks=draw(st.integers(1, 6)),
        first_after_days=draw(st.integers(0, 14)),
        steps=[
            Step(kind=k, days_after_previous=draw(st.integers(0, 3)), duration_minutes=draw(st.integers(2, 6)) * 15)
            for k in steps
        ],
    )
    check_ins = CheckIns(
        every_weeks=draw(st.integers(1, 3)),
        duration_minutes=draw(st.integers(2, 8)) * 15,
        weekday=draw(st.none() | st.sampled_from(WEEKDAYS)),
    )
    now = started_at + timedelta(hours=draw(st.integers(-48, 24 * 60)))
    return {
        "days": OpenDays(calendar),
        "people": [draw(windows()), draw(windows())],
        "started_at": started_at,
        "now": now,
        "horizon_end": max(now, started_at) + timedelta(weeks=draw(st.integers(1, 8))),
        "check_ins": check_ins,
        "cycle": cycle,
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_planned_meeting_keeps_the_rules(case: dict) -> None:
    days: OpenDays = case["days"]
    planner = Planner(days, case["people"])
    args = (case["started_at"], case["now"], case["horizon_end"], {})
    meetings = plan_check_ins(planner, case["check_ins"], MeetingKind.CHECK_IN, *args)
    meetings += plan_cycles(planner, case["cycle"], *args)
    zone = days.calendar.zone
    default = days.calendar.meeting_window.bounds
    for m in meetings:
        local_start, local_end = m.starts_at.astimezone(zone), m.ends_at.astimezone(zone)
        assert days.closed_reason(local_start.date()) is None, m  # an open day, inside the term
        assert m.starts_at >= case["now"], m  # never in the past
        lo = local_start.hour * 60 + local_start.minute
        hi = lo + m.duration_minutes
        assert local_end.date() == local_start.date() or hi <= 24 * 60
        weekday = WEEKDAYS[local_start.weekday()]
        for person in case["people"]:
            spans = [default] if person is None else [w.bounds for w in person.windows if w.weekday == weekday]
            assert any(s <= lo and hi <= e for s, e in spans), (m, person)
    ordered = sorted(meetings, key=lambda m: m.starts_at)
    for earlier, later in pairwise(ordered):
        assert earlier.ends_at <= later.starts_at, (earlier, later)
    assert len({(m.kind, m.index) for m in meetings}) == len(meetings)
    first_day = days.local_date(case["started_at"]) + timedelta(days=1)
    rule: CheckIns = case["check_ins"]
    if rule.weekday is not None:
        first_day += timedelta(days=(WEEKDAYS.index(rule.weekday) - first_day.weekday()) % 7)
    for m in meetings:
        if m.kind is MeetingKind.CHECK_IN:  # check-in n lies in period n-1
            period_start = first_day + timedelta(weeks=rule.every_weeks * (m.index - 1))
            assert period_start <= m.starts_at.astimezone(zone).date() < period_start + timedelta(weeks=rule.every_weeks)
