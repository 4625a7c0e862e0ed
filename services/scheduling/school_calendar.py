"""A district's school calendar and a teacher's weekly availability: validated values, no I/O.

Times of day (``HH:MM``) are wall-clock times in the district's time zone (an IANA name). A day is
*open* when it is one of the district's school days, inside its term (when one is set) and not in a
closed period (holidays, closed days, ranges of days). A district without a calendar on file gets
``DistrictCalendar()``: UTC, Monday to Friday, no term, nothing closed, meetings 16:00-18:00.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date
from typing import Annotated, Final, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
DEFAULT_WINDOW: Final = ("16:00", "18:00")  # after the school day: the default meeting window


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def known_zone(name: str) -> str:
    """``name`` when it is an IANA time zone this system knows; ValueError otherwise."""
    if name not in _zones():
        raise ValueError(f"'{name[:64]}' is not an IANA time zone such as America/Los_Angeles")
    return name


TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(known_zone)]


def minutes(clock: str) -> int:
    """``"15:30"`` -> 930 (minutes after midnight)."""
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


class Span(BaseModel):
    """A time span within one day, ``start`` < ``end``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if minutes(self.end) <= minutes(self.start):
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self

    @property
    def bounds(self) -> tuple[int, int]:
        return minutes(self.start), minutes(self.end)


class Window(Span):
    """A weekly availability window, e.g. Tuesdays 15:30-16:30."""

    weekday: Weekday


class ClosedPeriod(BaseModel):
    """A holiday or closed day (``end`` omitted) or a range of days, both ends included."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    start: date
    end: date | None = None
    label: Label

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def covers(self, day: date) -> bool:
        return self.start <= day <= (self.end or self.start)


class DistrictCalendar(BaseModel):
    """Time zone, term, school days, closed days and the default meeting window of one district."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    time_zone: TimeZoneName = "UTC"
    term_start: date | None = None
    term_end: date | None = None
    school_days: list[Weekday] = Field(default=["mon", "tue", "wed", "thu", "fri"], min_length=1, max_length=7)
    closed: list[ClosedPeriod] = Field(default=[], max_length=500)
    meeting_window: Span = Field(
        default=Span(start=DEFAULT_WINDOW[0], end=DEFAULT_WINDOW[1]),
        description="When people without availability on file can meet (local time)",
    )

    @model_validator(mode="after")
    def _term_ordered(self) -> Self:
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValueError(f"term_end {self.term_end} is before term_start {self.term_start}")
        return self

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def closed_reason(self, day: date) -> str | None:
        """Why nothing can be scheduled on ``day``, or None when it is open."""
        if WEEKDAYS[day.weekday()] not in self.school_days:
            return f"{day} is not a school day"
        if (self.term_start and day < self.term_start) or (self.term_end and day > self.term_end):
            return f"{day} is outside the term ({self.term_start or '...'} to {self.term_end or '...'})"
        for period in self.closed:
            if period.covers(day):
                return f"{day} is closed: {period.label}"
        return None


class Availability(BaseModel):
    """A teacher's weekly availability windows (district time); an empty list means never available."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    windows: list[Window] = Field(max_length=50)
