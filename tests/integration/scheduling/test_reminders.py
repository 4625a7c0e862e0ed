"""Reminders fire once: two replicas sweeping at once, a restart in between, a replica dying after its claim.

Every app runs on the same database and nats-server; time is a fake clock the test moves. Counting is done on
the SCHEDULING stream itself (what consumers will ever see) and on the core subject (what was published at all).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime

from shared.contracts.envelope import derived_id
from tests.plugins.services import eventually, running

from .conftest import Bus, FakeClock, on_stream, scheduling_app
from .test_first_meetings import TUESDAY

MEETINGS = 8  # the default cadence's first four weeks


def _at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, second, tzinfo=UTC)


async def _planned(app, rid: str) -> dict[str, dict]:
    meetings = await eventually(lambda: _all(app, rid))
    return {f"{m['kind']}{m['index']}": m for m in meetings}


async def _all(app, rid: str) -> list[dict] | None:
    found = await app.state.scheduling.repo.find(rid, None, None)
    return found if len(found) == MEETINGS else None


async def _sweep_together(*apps) -> None:
    for _ in range(3):
        await asyncio.gather(*(app.state.housekeeping.run() for app in apps))


def _reminder(meeting: dict, offset: int) -> str:
    return derived_id("reminder", meeting["_id"], "0", str(offset))


async def test_two_replicas_and_a_restart_send_each_reminder_once(service_settings, bus: Bus, nats_server):
    settings, clock = service_settings("scheduling"), FakeClock(_at(3, 8))
    rid = f"rel-{uuid.uuid4().hex[:8]}"
    first, second = scheduling_app(settings, clock), scheduling_app(settings, clock)
    async with running(first), running(second):
        await bus.publish(bus.started(rid, TUESDAY))
        meetings = await _planned(first, rid)
        check_in = meetings["check_in1"]  # Wednesday 5 March 16:00 UTC

        clock.now = _at(4, 16, 0, 30)  # 30 s after the 24-hour reminder fell due
        await _sweep_together(first, second)
        clock.now = _at(5, 15, 0, 10)  # the 1-hour reminder
        await _sweep_together(first, second)
    # Both replicas down; the clock moves on to Wednesday 12 March 16:30 UTC: check-in 2 (16:00) has started, the
    # observation (17:00) and the debrief (Thursday 16:00) have not, the pre-conference (Tuesday 16:00) is over.
    clock.now = _at(12, 16, 30)
    metrics, statuses = [], {}
    for _ in range(2):  # a new instance, then a restart of it: the second sends nothing
        restarted = scheduling_app(settings, clock)
        async with running(restarted) as http:
            await restarted.state.housekeeping.run()
            metrics.append((await http.get("/metrics")).text)
            for key, meeting in meetings.items():
                statuses[key] = {r["status"] for r in await restarted.state.reminders.store.of_meeting(meeting["_id"])}

    stored = await on_stream(bus.js, "reminder.due")
    assert len(stored) == len({e["msg_id"] for e in stored}) == len({e["body"]["data"]["reminder_id"] for e in stored})
    sent = {(e["body"]["data"]["meeting_id"], e["body"]["data"]["offset_minutes"]): e["body"]["data"] for e in stored}
    observation, debrief = meetings["observation1"], meetings["debrief1"]
    assert set(sent) == {
        (check_in["_id"], 1440),
        (check_in["_id"], 60),
        (observation["_id"], 1440),
        (observation["_id"], 60),
        (debrief["_id"], 1440),
    }
    assert [sent[(check_in["_id"], o)]["late"] for o in (1440, 60)] == [False, False]
    assert all(sent[key]["late"] for key in sent if key[0] != check_in["_id"])  # fell due while nothing ran
    for e in stored:
        data = e["body"]["data"]
        assert e["msg_id"] == e["body"]["id"] == derived_id("reminder.due", data["reminder_id"])
        assert data["participant_ids"] == ["mentor-1", "mentee-1"] and data["time_zone"] == "UTC"
    # published once at all, not just stored once: the claim kept the other replica from even trying
    assert Counter(m["body"]["id"] for m in bus.of_type("due", entity="reminder")).most_common(1)[0][1] == 1

    assert statuses["pre_conference1"] == statuses["check_in2"] == {"skipped"}  # their meetings had started
    assert statuses["observation1"] == statuses["check_in1"] == {"sent"}
    assert statuses["debrief1"] == {"sent", "pending"}
    assert "mentoring_reminders_skipped_total 4.0" in metrics[0]
    assert 'mentoring_reminders_sent_total{late="true"} 3.0' in metrics[0]
    assert "mentoring_reminders_skipped_total 0.0" in metrics[1] and "mentoring_reminders_sent_total{" not in metrics[1]
    assert await eventually(lambda: len(bus.of_type("due", entity="reminder")) == 5)


async def test_a_claim_left_by_a_dead_replica_is_taken_back_and_sent_once(service_settings, bus: Bus, nats_server):
    settings, clock = service_settings("scheduling", reminder_claim_seconds=60.0), FakeClock(_at(3, 8))
    app = scheduling_app(settings, clock)
    async with running(app) as http:
        rid = f"rel-{uuid.uuid4().hex[:8]}"
        await bus.publish(bus.started(rid, TUESDAY))
        check_in = (await _planned(app, rid))["check_in1"]
        clock.now = _at(4, 16, 0, 5)
        store = app.state.reminders.store
        [due] = await store.due(clock.now)
        assert await store.claim(due, clock.now)  # a replica claims it and dies before publishing
        await app.state.housekeeping.run()
        assert await on_stream(bus.js, "reminder.due") == []  # the claim is fresh: nobody else sends it
        clock.advance(seconds=61)
        await app.state.housekeeping.run()
        await app.state.housekeeping.run()
        [sent] = await on_stream(bus.js, "reminder.due")
        assert sent["body"]["data"]["reminder_id"] == _reminder(check_in, 1440)
        assert 'mentoring_reminders_sent_total{late="false"} 1.0' in (await http.get("/metrics")).text


async def test_the_periodic_sweep_fires_reminders_by_itself(service_settings, bus: Bus, nats_server):
    clock = FakeClock(_at(3, 8))
    app = scheduling_app(service_settings("scheduling", sweep_seconds=0.2), clock)
    async with running(app):
        rid = f"rel-{uuid.uuid4().hex[:8]}"
        await bus.publish(bus.started(rid, TUESDAY))
        await _planned(app, rid)
        clock.now = _at(4, 16, 1)
        [event] = await eventually(lambda: bus.of_type("due", entity="reminder"))
        assert event["body"]["data"]["offset_minutes"] == 1440 and event["body"]["data"]["late"] is False


async def test_reminders_of_a_cancelled_meeting_are_never_sent(http, bus: Bus, clock, app):
    rid = f"rel-{uuid.uuid4().hex[:8]}"
    await bus.publish(bus.started(rid, TUESDAY))
    check_in = (await _planned(app, rid))["check_in1"]
    assert (await http.post(f"/meetings/{check_in['_id']}/cancel", json={"reason": "snow day"})).status_code == 200
    clock.now = _at(5, 15, 30)
    await app.state.housekeeping.run()
    assert [e for e in await on_stream(bus.js, "reminder.due") if e["body"]["data"]["meeting_id"] == check_in["_id"]] == []
    assert {r["status"] for r in await app.state.reminders.store.of_meeting(check_in["_id"])} == {"dropped"}
