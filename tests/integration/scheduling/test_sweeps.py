"""The periodic sweep as time passes (fake clock): the horizon rolls on, unmarked meetings are flagged overdue once,
mentees short of the induction minimum are flagged once per 28-day window."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime

from shared.contracts.envelope import derived_id
from tests.plugins.services import eventually, running

from .conftest import on_stream, scheduling_app
from .test_first_meetings import PLAN, TUESDAY


def _at(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, second, tzinfo=UTC)


async def _start(http, bus, mentee: str = "mentee-1") -> tuple[str, list[dict]]:
    rid = f"rel-{uuid.uuid4().hex[:8]}"
    await bus.publish(bus.started(rid, TUESDAY, mentee=mentee))

    async def planned() -> list[dict] | None:
        found = (await http.get("/meetings", params={"relationship_id": rid})).json()
        return found if len(found) == len(PLAN) else None

    return rid, await eventually(planned)


async def test_the_horizon_rolls_on_without_duplicates(http, bus, app, clock):
    rid, first = await _start(http, bus)
    clock.now = _at(3, 20, 8)  # horizon now ends 17 April 08:00
    await asyncio.gather(app.state.housekeeping.run(), app.state.housekeeping.run())
    await app.state.housekeeping.run()
    meetings = (await http.get("/meetings", params={"relationship_id": rid})).json()
    added = [(m["kind"], m["starts_at"][:10]) for m in meetings[len(first) :]]
    assert [(m["id"], m["starts_at"]) for m in meetings[: len(first)]] == [(m["id"], m["starts_at"]) for m in first]
    assert added == [
        ("check_in", "2025-04-02"),
        ("pre_conference", "2025-04-08"),
        ("check_in", "2025-04-09"),
        ("observation", "2025-04-09"),
        ("debrief", "2025-04-10"),
        ("reflection", "2025-04-11"),
        ("check_in", "2025-04-16"),
    ]
    assert meetings[-1]["id"] == derived_id("meeting", rid, "check_in", "7")
    debrief = next(m for m in meetings if m["starts_at"].startswith("2025-04-10"))
    assert debrief["id"] == derived_id("meeting", rid, "debrief", "2")
    # On the stream (what consumers get) once each; two sweeps racing may both publish a new meeting's event on
    # the wire, under the same Nats-Msg-Id, which JetStream drops.
    stored = await on_stream(bus.js, "meeting.scheduled")
    assert sorted(e["body"]["data"]["meeting_id"] for e in stored) == sorted(m["id"] for m in meetings)
    assert Counter(e["msg_id"] for e in stored).most_common(1)[0][1] == 1


async def test_a_meeting_left_unmarked_is_flagged_overdue_once(service_settings, http, bus, app, clock):
    _, meetings = await _start(http, bus)
    held, forgotten = meetings[0], meetings[1]  # check-in 5 March 16:00-17:00; pre-conference 11 March 16:00-16:30
    assert (await http.post(f"/meetings/{held['id']}/complete", json={"duration_minutes": 60})).status_code == 200
    clock.now = _at(3, 13, 16, 29, 59)  # 48 h after the pre-conference ended, less a second
    await app.state.housekeeping.run()
    assert not bus.of_type("overdue")
    clock.now = _at(3, 13, 16, 30, 1)
    other = scheduling_app(service_settings("scheduling"), clock)  # a second replica on the same database
    async with running(other):
        await asyncio.gather(app.state.housekeeping.run(), other.state.housekeeping.run())
    [event] = await on_stream(bus.js, "meeting.overdue")
    assert event["body"]["id"] == derived_id("meeting.overdue", forgotten["id"], "0")
    assert event["body"]["data"]["ends_at"].replace("+00:00", "Z") == "2025-03-11T16:30:00Z"
    stored = (await http.get(f"/meetings/{forgotten['id']}")).json()
    assert stored["status"] == "scheduled" and stored["overdue_at"]
    assert (await http.get(f"/meetings/{held['id']}")).json()["overdue_at"] is None
    await app.state.housekeeping.run()
    assert len(await on_stream(bus.js, "meeting.overdue")) == 1
    assert (await http.post(f"/meetings/{forgotten['id']}/complete", json={"duration_minutes": 30})).status_code == 200
    assert 'mentoring_meetings_overdue_total{kind="pre_conference"} 1.0' in (await http.get("/metrics")).text


async def test_induction_hours_short_is_flagged_once_per_window(http, bus, app, clock):
    short_rid, short = await _start(http, bus, mentee="mentee-short")
    fine_rid, fine = await _start(http, bus, mentee="mentee-fine")
    for meeting in short[:2]:
        assert (await http.post(f"/meetings/{meeting['id']}/complete", json={"duration_minutes": 60})).is_success
    for meeting in fine[:5]:  # five meetings of 51 minutes: 255, above the 240 minimum
        assert (await http.post(f"/meetings/{meeting['id']}/complete", json={"duration_minutes": 51})).is_success

    clock.now = _at(4, 1, 9, 29)  # 27 days 23 h 59 min: no window is complete yet
    await app.state.housekeeping.run()
    assert not bus.of_type("short", entity="induction_hours")
    clock.now = _at(4, 1, 9, 31)
    await asyncio.gather(app.state.housekeeping.run(), app.state.housekeeping.run())
    [event] = await on_stream(bus.js, "induction_hours.short")
    assert event["body"]["id"] == derived_id("induction_hours.short", short_rid, "0")
    data = event["body"]["data"]
    assert (data["participant_id"], data["relationship_id"], data["logged_minutes"]) == ("mentee-short", short_rid, 120)
    assert (data["required_minutes"], data["window_days"]) == (240, 28)
    assert data["window_end"].replace("+00:00", "Z") == "2025-04-01T09:30:00Z"
    clock.now = _at(4, 20, 9)  # same window: nothing new
    await app.state.housekeeping.run()
    assert len(await on_stream(bus.js, "induction_hours.short")) == 1
    assert "mentoring_induction_hours_short_total 1.0" in (await http.get("/metrics")).text
    assert fine_rid not in str(bus.of_type("short", entity="induction_hours"))
