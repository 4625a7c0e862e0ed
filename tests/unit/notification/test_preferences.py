"""Preferences and routing: channels, opt-outs, quiet hours, digest (services/notification/preferences.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from pydantic import ValidationError

from services.notification.kinds import Kind
from services.notification.preferences import Preferences, QuietHours, next_local_hour, quiet_until, route, zone
from shared.contracts.notification import Channel

NY = zone("America/New_York")
NOW = datetime(2025, 11, 4, 3, 30, tzinfo=UTC)  # 22:30 in New York


def channels(routes) -> list[tuple[str, datetime, bool, bool]]:
    return [(r.channel.value, r.due, r.digest, r.suppressed) for r in routes]


def test_by_default_email_and_inbox_now_plus_the_webhook_when_the_district_has_one() -> None:
    routes = route(Kind.MEETING_SCHEDULED, Preferences(), webhook=True, now=NOW, tz=NY, digest_hour=17)
    assert channels(routes) == [("email", NOW, False, False), ("in_app", NOW, False, False), ("webhook", NOW, False, False)]
    assert [r.channel for r in route(Kind.SURVEY_ISSUED, Preferences(), webhook=False, now=NOW, tz=NY, digest_hour=17)] == [
        Channel.EMAIL,
        Channel.IN_APP,
    ]


def test_channels_per_kind() -> None:
    prefs = Preferences(channels={Kind.MEETING_SCHEDULED: ["in_app"]})
    assert [r.channel for r in route(Kind.MEETING_SCHEDULED, prefs, webhook=False, now=NOW, tz=NY, digest_hour=17)] == [
        Channel.IN_APP
    ]
    assert len(route(Kind.SURVEY_ISSUED, prefs, webhook=False, now=NOW, tz=NY, digest_hour=17)) == 2


def test_opting_out_suppresses_every_channel_of_a_non_essential_kind() -> None:
    prefs = Preferences(opted_out=[Kind.SURVEY_ISSUED, Kind.SURVEY_ISSUED])
    assert prefs.opted_out == [Kind.SURVEY_ISSUED]
    routes = route(Kind.SURVEY_ISSUED, prefs, webhook=True, now=NOW, tz=NY, digest_hour=17)
    assert channels(routes) == [("email", NOW, False, True), ("in_app", NOW, False, True)]


@pytest.mark.parametrize("kind", ["relationship_started", "relationship_ended", "meeting_cancelled", "meeting_rescheduled"])
def test_essential_kinds_cannot_be_opted_out_of(kind: str) -> None:
    with pytest.raises(ValidationError, match=f"{kind} cannot be opted out of"):
        Preferences.model_validate({"opted_out": [kind]})


def test_bad_preferences_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"channels\.survey_issued: give at least one channel"):
        Preferences.model_validate({"channels": {"survey_issued": []}})
    with pytest.raises(ValidationError, match="listed twice"):
        Preferences.model_validate({"channels": {"survey_issued": ["email", "email"]}})
    with pytest.raises(ValidationError):
        Preferences.model_validate({"channels": {"survey_issued": ["webhook"]}})
    with pytest.raises(ValidationError, match="start and end must differ"):
        QuietHours(start=time(7), end=time(7))
    with pytest.raises(ValidationError):
        Preferences.model_validate({"digest_hour": 24})


def test_quiet_hours_move_email_to_the_end_of_the_window_only() -> None:
    prefs = Preferences(quiet_hours=QuietHours(start=time(21), end=time(7)))
    routes = route(Kind.MEETING_CANCELLED, prefs, webhook=True, now=NOW, tz=NY, digest_hour=17)
    seven = datetime(2025, 11, 4, 12, 0, tzinfo=UTC)
    assert channels(routes) == [("email", seven, False, False), ("in_app", NOW, False, False), ("webhook", NOW, False, False)]


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2025, 11, 4, 1, 59, tzinfo=UTC), datetime(2025, 11, 4, 1, 59, tzinfo=UTC)),  # 20:59: outside
        (datetime(2025, 11, 4, 2, 0, tzinfo=UTC), datetime(2025, 11, 4, 12, 0, tzinfo=UTC)),  # 21:00: until 07:00
        (datetime(2025, 11, 4, 9, 0, tzinfo=UTC), datetime(2025, 11, 4, 12, 0, tzinfo=UTC)),  # 04:00, after midnight
        (datetime(2025, 11, 4, 12, 0, tzinfo=UTC), datetime(2025, 11, 4, 12, 0, tzinfo=UTC)),  # 07:00: the window ended
    ],
)
def test_a_window_that_wraps_midnight(utc: datetime, expected: datetime) -> None:
    assert quiet_until(utc, QuietHours(start=time(21), end=time(7)), NY) == expected


def test_a_window_within_one_day_and_across_a_dst_change() -> None:
    lunch = QuietHours(start=time(12), end=time(13, 30))
    assert quiet_until(datetime(2025, 7, 1, 16, 45, tzinfo=UTC), lunch, NY) == datetime(2025, 7, 1, 17, 30, tzinfo=UTC)
    night = QuietHours(start=time(22), end=time(7))
    # 23:00 EDT on Saturday 1 November; clocks go back that night, so 07:00 on Sunday is EST (UTC-5).
    assert quiet_until(datetime(2025, 11, 2, 3, 0, tzinfo=UTC), night, NY) == datetime(2025, 11, 2, 12, 0, tzinfo=UTC)


def test_the_digest_collects_non_essential_email_until_the_local_hour_out_of_quiet_hours() -> None:
    prefs = Preferences(digest=True, digest_hour=6, quiet_hours=QuietHours(start=time(21), end=time(7)))
    (email, in_app) = route(Kind.SURVEY_ISSUED, prefs, webhook=False, now=NOW, tz=NY, digest_hour=17)
    assert (email.channel, email.digest, email.due) == (Channel.EMAIL, True, datetime(2025, 11, 4, 12, 0, tzinfo=UTC))
    assert (in_app.digest, in_app.due) == (False, NOW)
    for kind in (Kind.REMINDER_DUE, Kind.RELATIONSHIP_STARTED):  # never digested
        assert not route(kind, Preferences(digest=True), webhook=False, now=NOW, tz=NY, digest_hour=17)[0].digest
    default_hour = route(Kind.SURVEY_ISSUED, Preferences(digest=True), webhook=False, now=NOW, tz=NY, digest_hour=17)[0]
    assert default_hour.due == datetime(2025, 11, 4, 22, 0, tzinfo=UTC)  # 17:00 in New York


def test_next_local_hour_and_zones() -> None:
    assert next_local_hour(datetime(2025, 11, 4, 22, 0, tzinfo=UTC), 17, NY) == datetime(2025, 11, 4, 22, 0, tzinfo=UTC)
    assert next_local_hour(datetime(2025, 11, 4, 22, 1, tzinfo=UTC), 17, NY) == datetime(2025, 11, 5, 22, 0, tzinfo=UTC)
    assert zone("Not/AZone").key == "UTC" and zone(None).key == "UTC" and zone("../etc").key == "UTC"
