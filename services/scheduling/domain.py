"""Choosing meeting times on a school calendar. Pure: no I/O, time comes in as arguments.

**A slot** is the first start, in steps of 15 minutes, on an *open* day (a school day of the district,
inside the district's and the program's term, not closed) that lies inside every participant's
availability that day (someone with no availability on file is taken to be free during the district's
default meeting window, 16:00-18:00 local unless the district sets another), does not overlap a meeting
already planned for any of the participants, and starts no earlier than asked. Days are the district's
local days; the time found is returned in UTC.

**Check-ins** (group sessions in group programs): the days from the relationship's local start date plus
one (moved to the preferred weekday when the program has one) are cut into periods of ``every_weeks``
weeks; period *n* holds check-in number *n + 1*, at the first slot inside the period. A period without a
slot (a holiday week) has no check-in, so the first check-in of a relationship that starts before a closed
week is on the first open day after it that suits everybody.

**Observation cycles**: cycle *c* begins ``first_after_days + c * every_weeks * 7`` days after the local
start date; its first step is at the first slot from that day (plus the step's ``days_after_previous``),
each later step at the first slot ``days_after_previous`` days after the previous step's day (0: the same
day, after it ends). A step is searched for at most ``MAX_SEARCH_DAYS`` days.

**Horizon**: a check-in period or a cycle is planned once it begins before ``horizon_end``; periods that are
over and cycles that began before today are never planned (nothing is scheduled in the past). What is
already stored (``stored``, by occurrence) is kept as it is and anchors the next step of its cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from shared.contracts.scheduling import MeetingKind

from .cadence import CheckIns, ObservationCycle
from .school_calendar import WEEKDAYS, Availability, DistrictCalendar, Span

STEP_MINUTES: Final = 15
MAX_SEARCH_DAYS: Final = 60
MAX_AHEAD: Final = timedelta(days=730)  # a meeting is never moved further ahead than this
Interval = tuple[datetime, datetime]
Occurrence = tuple[MeetingKind, int]  # (kind, 1-based occurrence number): the natural key of a meeting


@dataclass(frozen=True)
class PlannedMeeting:
    kind: MeetingKind
    index: int  # 1 = the first meeting of this kind
    starts_at: datetime  # UTC
    duration_minutes: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class OpenDays:
    """The district's calendar narrowed to the program's term."""

    calendar: DistrictCalendar
    term_start: date | None = None
    term_end: date | None = None

    def closed_reason(self, day: date) -> str | None:
        """Why ``day`` (a local date) is not open, or None."""
        if (self.term_start and day < self.term_start) or (self.term_end and day > self.term_end):
            return f"{day} is outside the program's term ({self.term_start or '...'} to {self.term_end or '...'})"
        return self.calendar.closed_reason(day)

    def local(self, day: date, minute: int) -> datetime:
        """The UTC instant of local wall-clock ``minute`` (after midnight) on ``day``."""
        wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.calendar.zone)
        return wall.astimezone(UTC)

    def local_date(self, moment: datetime) -> date:
        return as_utc(moment).astimezone(self.calendar.zone).date()

    def midnight(self, day: date) -> datetime:
        return self.local(day, 0)


def _intersect(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out = [(max(a0, b0), min(a1, b1)) for a0, a1 in a for b0, b1 in b]
    return sorted((lo, hi) for lo, hi in out if lo < hi)


def common_spans(weekday: str, people: Sequence[Availability | None], default: Span) -> list[tuple[int, int]]:
    """Minutes of ``weekday`` (local) when everybody is free; None availability means the default window."""
    spans = [(0, 24 * 60)]
    for person in people:
        own = [default.bounds] if person is None else [w.bounds for w in person.windows if w.weekday == weekday]
        spans = _intersect(spans, own)
    return spans


@dataclass
class Planner:
    """Finds slots for one set of participants; every slot it returns is added to ``busy``."""

    days: OpenDays
    people: Sequence[Availability | None]
    busy: list[Interval] = field(default_factory=list)

    def free(self, start: datetime, minutes: int) -> bool:
        end = start + timedelta(minutes=minutes)
        return all(not (start < b_end and end > b_start) for b_start, b_end in self.busy)

    def first_slot(self, earliest: datetime, minutes: int, last_day: date) -> datetime | None:
        """The first slot of ``minutes`` starting at or after ``earliest`` on a local day up to ``last_day``."""
        day = self.days.local_date(earliest)
        while day <= last_day:
            if self.days.closed_reason(day) is None:
                for lo, hi in common_spans(WEEKDAYS[day.weekday()], self.people, self.days.calendar.meeting_window):
                    for minute in range(lo, hi - minutes + 1, STEP_MINUTES):
                        start = self.days.local(day, minute)
                        if start >= earliest and self.free(start, minutes):
                            self.busy.append((start, start + timedelta(minutes=minutes)))
                            return start
            day += timedelta(days=1)
        return None


def _first_day(days: OpenDays, started_at: datetime, weekday: str | None) -> date:
    first = days.local_date(started_at) + timedelta(days=1)
    if weekday is not None:
        first += timedelta(days=(WEEKDAYS.index(weekday) - first.weekday()) % 7)
    return first


def plan_check_ins(
    planner: Planner,
    rule: CheckIns,
    kind: MeetingKind,
    started_at: datetime,
    now: datetime,
    horizon_end: datetime,
    stored: Mapping[Occurrence, Interval],
) -> list[PlannedMeeting]:
    """Check-ins (or group sessions) of the periods that begin before ``horizon_end`` and are not over."""
    days, period = planner.days, timedelta(weeks=rule.every_weeks)
    first = _first_day(days, started_at, rule.weekday)
    current = max(0, (days.local_date(now) - first) // period)  # skip the periods that are over
    planned: list[PlannedMeeting] = []
    for n in range(current, current + 60):
        begins = first + n * period
        if days.midnight(begins) >= horizon_end:
            break
        if (kind, n + 1) in stored:
            continue
        last_day = begins + period - timedelta(days=1)
        slot = planner.first_slot(max(days.midnight(begins), now), rule.duration_minutes, last_day)
        if slot is not None:
            planned.append(PlannedMeeting(kind, n + 1, slot, rule.duration_minutes))
    return planned


def plan_cycles(
    planner: Planner,
    rule: ObservationCycle,
    started_at: datetime,
    now: datetime,
    horizon_end: datetime,
    stored: Mapping[Occurrence, Interval],
) -> list[PlannedMeeting]:
    """The steps of every observation cycle that begins today or later and before ``horizon_end``."""
    days, period = planner.days, timedelta(weeks=rule.every_weeks)
    first = days.local_date(started_at) + timedelta(days=rule.first_after_days)
    today = days.local_date(now)
    current = max(0, -((first - today) // period))  # ceil: the first cycle beginning today or later
    planned: list[PlannedMeeting] = []
    for c in range(current, current + 60):
        begins = first + c * period
        if days.midnight(begins) >= horizon_end:
            break
        previous: Interval | None = None
        for step in rule.steps:
            kind = MeetingKind(step.kind)
            if (kind, c + 1) in stored:
                previous = stored[(kind, c + 1)]
                continue
            if previous is None:
                earliest = days.midnight(begins + timedelta(days=step.days_after_previous))
            elif step.days_after_previous == 0:
                earliest = previous[1]
            else:
                earliest = days.midnight(days.local_date(previous[0]) + timedelta(days=step.days_after_previous))
            earliest = max(earliest, now)
            slot = planner.first_slot(earliest, step.duration_minutes, days.local_date(earliest) + timedelta(MAX_SEARCH_DAYS))
            if slot is None:
                break  # the rest of the cycle cannot follow a step that has no time
            meeting = PlannedMeeting(kind, c + 1, slot, step.duration_minutes)
            planned.append(meeting)
            previous = (meeting.starts_at, meeting.ends_at)
    return planned


def reschedule_refusal(days: OpenDays, starts_at: datetime, now: datetime) -> str | None:
    """Why a meeting may not be moved to ``starts_at``, or None when it may."""
    if starts_at <= now:
        return "the new start is not in the future"
    if starts_at > now + MAX_AHEAD:
        return f"the new start is more than {MAX_AHEAD.days} days ahead"
    return days.closed_reason(days.local_date(starts_at))
