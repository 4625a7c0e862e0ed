"""A person's notification preferences and the routing they imply. Pure: no I/O.

- **channels** per kind: ``email`` and/or ``in_app`` (default both). The district's webhook is not a personal
  channel: every notification of a district with a webhook is also posted there.
- **opted_out**: non-essential kinds the person hears nothing about (no e-mail, inbox entry or webhook post;
  the delivery log keeps a ``suppressed`` record). Essential kinds (``kinds.ESSENTIAL``) cannot be opted out of.
- **quiet_hours**: a local time window (may wrap midnight) in which no e-mail is sent: an e-mail that falls due
  inside it waits until the window ends. The inbox and the webhook are not interrupting, so they do not wait.
- **digest**: non-essential e-mails (not reminders, see ``kinds``) are collected and sent as one e-mail at the
  next ``digest_hour`` (local; the service's default hour when unset), itself moved out of quiet hours.

"Local" is the district's time zone: the event's ``time_zone`` when it carries one, else the zone the district's
last meeting event carried, else UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contracts.notification import Channel

from .kinds import ESSENTIAL, NEVER_DIGESTED, Kind

PersonalChannel = Literal["email", "in_app"]
DEFAULT_CHANNELS: tuple[PersonalChannel, ...] = ("email", "in_app")


class QuietHours(BaseModel):
    """From ``start`` to ``end``, local time; ``22:00``–``07:00`` wraps midnight."""

    model_config = ConfigDict(extra="forbid")
    start: time = Field(description="Local time the quiet window starts (HH:MM)")
    end: time = Field(description="Local time it ends; e-mail held in the window is sent then")

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start.replace(tzinfo=None) == self.end.replace(tzinfo=None):
            raise ValueError("quiet_hours: start and end must differ")
        return self


class Preferences(BaseModel):
    """What a person wants to hear, and how. Kinds not listed in ``channels`` use e-mail and the inbox."""

    model_config = ConfigDict(extra="forbid")
    channels: dict[Kind, list[PersonalChannel]] = Field(default_factory=dict, description="Channels per notification kind")
    opted_out: list[Kind] = Field(default_factory=list, description="Non-essential kinds the person does not want")
    quiet_hours: QuietHours | None = None
    digest: bool = Field(default=False, description="Collect non-essential e-mails into one a day")
    digest_hour: int | None = Field(default=None, ge=0, le=23, description="Local hour of the digest (default: the service's)")

    @field_validator("channels")
    @classmethod
    def _some_channel(cls, value: dict[Kind, list[PersonalChannel]]) -> dict[Kind, list[PersonalChannel]]:
        for kind, channels in value.items():
            if not channels:
                raise ValueError(f"channels.{kind.value}: give at least one channel (opt out with opted_out instead)")
            if len(set(channels)) != len(channels):
                raise ValueError(f"channels.{kind.value}: a channel is listed twice")
        return value

    @field_validator("opted_out")
    @classmethod
    def _not_essential(cls, value: list[Kind]) -> list[Kind]:
        essential = sorted(k.value for k in value if k in ESSENTIAL)
        if essential:
            raise ValueError(f"opted_out: {', '.join(essential)} cannot be opted out of (essential)")
        return list(dict.fromkeys(value))

    def channels_for(self, kind: Kind) -> tuple[PersonalChannel, ...]:
        return tuple(self.channels.get(kind, DEFAULT_CHANNELS))


@dataclass(frozen=True)
class Route:
    """One delivery to record: its channel, when it falls due, and whether it waits for the digest."""

    channel: Channel
    due: datetime
    digest: bool = False
    suppressed: bool = False


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``; UTC when absent or unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def route(kind: Kind, prefs: Preferences, *, webhook: bool, now: datetime, tz: ZoneInfo, digest_hour: int) -> list[Route]:
    """The deliveries a notice of ``kind`` gets for a person with ``prefs``."""
    personal = [Channel(c) for c in prefs.channels_for(kind)]
    if kind in prefs.opted_out and kind not in ESSENTIAL:
        return [Route(channel, now, suppressed=True) for channel in personal]
    routes = []
    for channel in personal:
        if channel is not Channel.EMAIL:
            routes.append(Route(channel, now))
        elif prefs.digest and kind not in NEVER_DIGESTED:
            at = next_local_hour(now, prefs.digest_hour if prefs.digest_hour is not None else digest_hour, tz)
            routes.append(Route(channel, quiet_until(at, prefs.quiet_hours, tz), digest=True))
        else:
            routes.append(Route(channel, quiet_until(now, prefs.quiet_hours, tz)))
    if webhook:
        routes.append(Route(Channel.WEBHOOK, now))
    return routes


def quiet_until(moment: datetime, quiet: QuietHours | None, tz: ZoneInfo) -> datetime:
    """``moment`` when it is outside the quiet window, else the end of the window (UTC)."""
    if quiet is None:
        return moment
    local = moment.astimezone(tz)
    start, end, clock = _plain(quiet.start), _plain(quiet.end), local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return moment
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz).astimezone(UTC)


def next_local_hour(moment: datetime, hour: int, tz: ZoneInfo) -> datetime:
    """The first local ``hour``:00 at or after ``moment`` (UTC)."""
    local = moment.astimezone(tz)
    at = datetime.combine(local.date(), time(hour), tzinfo=tz)
    if at < local:
        at = datetime.combine(local.date() + timedelta(days=1), time(hour), tzinfo=tz)
    return at.astimezone(UTC)


def _plain(value: time) -> time:
    return value.replace(tzinfo=None, second=0, microsecond=0)
