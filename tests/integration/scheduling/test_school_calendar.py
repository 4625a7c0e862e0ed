"""Meetings on a district's school calendar: time zone, holidays, term and both people's availability; moving and
cancelling them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from shared.auth.principal import Role
from shared.contracts.envelope import derived_id
from tests.plugins.services import eventually

LA = ZoneInfo("America/Los_Angeles")
CALENDAR = {
    "time_zone": "America/Los_Angeles",
    "term_start": "2026-08-17",
    "term_end": "2027-06-10",
    "closed": [
        {"start": "2026-11-23", "end": "2026-11-27", "label": "Thanksgiving break"},
        {"start": "2026-12-21", "end": "2027-01-01", "label": "Winter break"},
    ],
}
FRIDAY_BEFORE_THANKSGIVING = datetime(2026, 11, 20, 10, tzinfo=LA)
MENTOR_WINDOWS = [
    {"weekday": "mon", "start": "15:00", "end": "16:00"},
    {"weekday": "tue", "start": "15:30", "end": "17:00"},
]
MENTEE_WINDOWS = [
    {"weekday": "mon", "start": "16:30", "end": "17:30"},  # no overlap with the mentor on Mondays
    {"weekday": "tue", "start": "15:45", "end": "17:30"},
]


@pytest.fixture
async def pair(http, bus, auth, clock) -> dict:
    """A district on Pacific time with Thanksgiving week closed; a mentor and a mentee who each set their availability."""
    clock.now = FRIDAY_BEFORE_THANKSGIVING.astimezone(UTC)
    assert (await http.put(f"/districts/{bus.district}/calendar", json=CALENDAR)).status_code == 200
    mentor, mentee = f"m-{uuid.uuid4().hex[:8]}", f"e-{uuid.uuid4().hex[:8]}"
    for role, person, windows in ((Role.MENTOR, mentor, MENTOR_WINDOWS), (Role.MENTEE, mentee, MENTEE_WINDOWS)):
        own = auth(role, bus.district, person)
        stored = await http.put(f"/participants/{person}/availability", json={"windows": windows}, headers=own)
        assert stored.status_code == 200, stored.text
    rid = f"rel-{uuid.uuid4().hex[:8]}"
    await bus.publish(bus.started(rid, FRIDAY_BEFORE_THANKSGIVING, mentor=mentor, mentee=mentee))

    async def planned() -> list[dict] | None:
        found = (await http.get("/meetings", params={"relationship_id": rid})).json()
        return found or None

    meetings = await eventually(planned)
    return {"rid": rid, "mentor": mentor, "mentee": mentee, "meetings": meetings}


async def test_start_before_a_holiday_week_checks_in_on_the_first_open_day_that_suits_both(pair, bus):
    check_in = next(m for m in pair["meetings"] if m["kind"] == "check_in")
    starts = datetime.fromisoformat(check_in["starts_at"])
    # Thanksgiving week is closed; Monday 30 November is open but mentor and mentee share no time that day;
    # Tuesday 1 December 15:45-16:45 Pacific is the first hour inside both windows.
    assert starts.astimezone(LA).replace(tzinfo=None) == datetime(2026, 12, 1, 15, 45)
    assert starts == datetime(2026, 12, 1, 23, 45, tzinfo=UTC)
    assert check_in["id"] == derived_id("meeting", pair["rid"], "check_in", "2")  # week 1 (the holiday) has none
    assert check_in["time_zone"] == "America/Los_Angeles"
    for meeting in pair["meetings"]:
        local = datetime.fromisoformat(meeting["starts_at"]).astimezone(LA)
        assert local.weekday() == 1 and local.date().isoformat() not in {"2026-11-24", "2026-12-22", "2026-12-29"}
        assert (local.hour, local.minute) >= (15, 45)  # never before both are free
    event = await eventually(
        lambda: next((e for e in bus.of_type("scheduled") if e["body"]["data"]["meeting_id"] == check_in["id"]), None)
    )
    assert event["body"]["data"]["time_zone"] == "America/Los_Angeles"
    assert event["body"]["data"]["starts_at"].replace("+00:00", "Z") == "2026-12-01T23:45:00Z"


async def test_reschedule_is_refused_on_a_closed_day_and_outside_the_term(pair, http, bus, auth):
    meeting = pair["meetings"][0]
    mentee = auth(Role.MENTEE, bus.district, pair["mentee"])
    url = f"/meetings/{meeting['id']}/reschedule"
    refusals = {
        "2026-11-24T16:00:00-08:00": "Thanksgiving break",
        "2026-12-23T16:00:00-08:00": "Winter break",
        "2027-06-15T16:00:00-07:00": "outside the term",
        "2026-11-28T16:00:00-08:00": "not a school day",  # a Saturday
        "2026-11-19T16:00:00-08:00": "not in the future",
    }
    for when, why in refusals.items():
        refused = await http.post(url, json={"starts_at": when, "reason": "sick"}, headers=mentee)
        assert refused.status_code == 422, (when, refused.text)
        assert refused.json()["detail"][0]["loc"] == ["body", "starts_at"]
        assert why in refused.json()["detail"][0]["msg"], refused.json()
    naive = await http.post(url, json={"starts_at": "2026-12-02T16:00:00", "reason": "x"}, headers=mentee)
    assert naive.status_code == 422  # a time without its UTC offset is ambiguous
    assert (await http.get(f"/meetings/{meeting['id']}")).json() == meeting
    assert not bus.of_type("rescheduled")


async def test_either_participant_reschedules_and_cancels_with_a_reason_kept_off_the_bus(pair, http, bus, auth, app):
    first, second = pair["meetings"][0], pair["meetings"][1]
    mentee = auth(Role.MENTEE, bus.district, pair["mentee"])
    mentor = auth(Role.MENTOR, bus.district, pair["mentor"])
    moved = await http.post(
        f"/meetings/{first['id']}/reschedule",
        json={"starts_at": "2026-12-02T16:15:00-08:00", "reason": "parent conference clash"},
        headers=mentee,
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["sequence"], body["reschedule_reason"]) == (1, "parent conference clash")
    assert body["starts_at"].replace("+00:00", "Z") == "2026-12-03T00:15:00Z"
    assert body["previous_starts_at"] == first["starts_at"]
    [event] = await eventually(lambda: bus.of_type("rescheduled"))
    data = event["body"]["data"]
    assert (data["sequence"], data["rescheduled_by"], data["time_zone"]) == (1, pair["mentee"], "America/Los_Angeles")
    assert datetime.fromisoformat(data["previous_starts_at"]) == datetime.fromisoformat(first["starts_at"])
    assert event["body"]["id"] == derived_id("meeting.rescheduled", first["id"], "1")
    assert "parent conference" not in str(event)
    reminders = await app.state.reminders.store.of_meeting(first["id"])
    assert sorted((r["sequence"], r["status"]) for r in reminders) == [
        (0, "dropped"),
        (0, "dropped"),
        (1, "pending"),
        (1, "pending"),
    ]

    cancelled = await http.post(f"/meetings/{second['id']}/cancel", json={"reason": "mentor on a field trip"}, headers=mentor)
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancelled_by"]) == ("cancelled", pair["mentor"])
    again = await http.post(f"/meetings/{second['id']}/cancel", json={"reason": "again"}, headers=mentee)
    assert again.status_code == 200 and again.json()["cancel_reason"] == "mentor on a field trip"
    late_move = {"starts_at": "2026-12-09T16:00:00-08:00", "reason": "x"}
    assert (await http.post(f"/meetings/{second['id']}/reschedule", json=late_move)).status_code == 409
    assert (await http.post(f"/meetings/{second['id']}/complete", json={"duration_minutes": 30})).status_code == 409
    [cancel_event] = await eventually(lambda: bus.of_type("cancelled"))
    assert cancel_event["body"]["data"]["cancelled_by"] == pair["mentor"] and "field trip" not in str(cancel_event)
    assert {r["status"] for r in await app.state.reminders.store.of_meeting(second["id"])} == {"dropped"}
    metrics = (await http.get("/metrics")).text
    assert 'mentoring_meetings_rescheduled_total{kind="check_in"} 1.0' in metrics
    assert 'mentoring_meetings_cancelled_total{kind="check_in"} 1.0' in metrics
