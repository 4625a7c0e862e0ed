"""The iCalendar document (services/scheduling/feed.py), read back with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from services.scheduling.feed import digest, render

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


def _meeting(mid: str, kind: str, status: str = "scheduled", sequence: int = 0) -> dict:
    return {
        "_id": mid,
        "kind": kind,
        "status": status,
        "sequence": sequence,
        "starts_at": datetime(2025, 3, 5, 16, tzinfo=UTC),
        "duration_minutes": 45,
        "participant_ids": ["mentor-secret-id", "mentee-secret-id"],
    }


def test_each_meeting_is_one_event_with_a_stable_uid_sequence_and_status():
    raw = render([_meeting("m1", "observation", sequence=2), _meeting("m2", "group_session", "cancelled")], NOW)
    calendar = Calendar.from_ical(raw)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["METHOD"]) == "PUBLISH"
    first, second = calendar.walk("VEVENT")
    assert str(first["UID"]) == "m1@mentoring" and int(first["SEQUENCE"]) == 2 and str(first["STATUS"]) == "CONFIRMED"
    assert first.decoded("DTSTART") == datetime(2025, 3, 5, 16, tzinfo=UTC)
    assert first.decoded("DTEND") == datetime(2025, 3, 5, 16, 45, tzinfo=UTC)
    assert b"DTSTART:20250305T160000Z" in raw  # UTC, no floating times
    assert str(first["SUMMARY"]) == "Observation cycle: classroom observation"
    assert str(second["STATUS"]) == "CANCELLED" and str(second["SUMMARY"]) == "Mentoring group session"
    assert b"secret-id" not in raw


def test_an_empty_feed_is_still_a_calendar_and_secrets_are_hashed():
    assert Calendar.from_ical(render([], NOW)).walk("VEVENT") == []
    assert digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
