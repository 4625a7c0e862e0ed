"""The first meetings of a new relationship. Pure: no I/O.

The rule, all times in UTC and every meeting at 16:00 (after the school day):

* **First check-in** (60 min): on the first school day (Monday–Friday) that is at least one
  calendar day after the date the relationship started. It is therefore 1–3 days after the start
  date and always strictly after ``started_at`` and at most 7 days after it.
* **First observation cycle**: a pre-conference (30 min), the observation (45 min) and a debrief
  (30 min) on three consecutive school days, the first being the first school day at least 7
  calendar days after the start date. Weekends are skipped, so the cycle begins 7–9 days and
  ends 9–11 days after the start date, always after the check-in.

A naive ``started_at`` is taken as UTC. The plan depends on ``started_at`` only, so planning the
same relationship twice gives the same meetings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from shared.contracts.scheduling import MeetingKind

MEETING_TIME: Final = time(16, 0, tzinfo=UTC)
CHECK_IN_AFTER_DAYS: Final = 1
CHECK_IN_DEADLINE: Final = timedelta(days=7)
OBSERVATION_AFTER_DAYS: Final = 7
OBSERVATION_CYCLE: Final[tuple[tuple[MeetingKind, int], ...]] = (
    (MeetingKind.PRE_CONFERENCE, 30),
    (MeetingKind.OBSERVATION, 45),
    (MeetingKind.DEBRIEF, 30),
)
CHECK_IN_MINUTES: Final = 60
SATURDAY: Final = 5  # date.weekday(): Monday is 0


@dataclass(frozen=True)
class PlannedMeeting:
    kind: MeetingKind
    starts_at: datetime
    duration_minutes: int


def is_school_day(day: date) -> bool:
    """Monday to Friday."""
    return day.weekday() < SATURDAY


def school_day_on_or_after(day: date) -> date:
    """``day`` itself when it is a school day, else the Monday after."""
    while not is_school_day(day):
        day += timedelta(days=1)
    return day


def next_school_day(day: date) -> date:
    """The first school day strictly after ``day``."""
    return school_day_on_or_after(day + timedelta(days=1))


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _at_meeting_time(day: date) -> datetime:
    return datetime.combine(day, MEETING_TIME)


def plan_first_meetings(started_at: datetime) -> list[PlannedMeeting]:
    """The first check-in and the first observation cycle of a relationship started at ``started_at``."""
    start = as_utc(started_at)
    check_in_day = school_day_on_or_after(start.date() + timedelta(days=CHECK_IN_AFTER_DAYS))
    check_in = PlannedMeeting(MeetingKind.CHECK_IN, _at_meeting_time(check_in_day), CHECK_IN_MINUTES)
    if check_in.starts_at - start > CHECK_IN_DEADLINE:  # cannot happen with this rule; guards future edits
        raise AssertionError(f"check-in {check_in.starts_at} is more than {CHECK_IN_DEADLINE} after {start}")
    plan = [check_in]
    day = school_day_on_or_after(start.date() + timedelta(days=OBSERVATION_AFTER_DAYS))
    for i, (kind, minutes) in enumerate(OBSERVATION_CYCLE):
        if i:
            day = next_school_day(day)
        plan.append(PlannedMeeting(kind, _at_meeting_time(day), minutes))
    return plan
