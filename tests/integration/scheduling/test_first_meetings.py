"""RelationshipStarted -> the first four weeks of meetings (default cadence) and one MeetingScheduled each;
RelationshipEnded cancels what is left (and says so with MeetingCancelled)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.contracts.envelope import derived_id
from tests.plugins.services import eventually

TUESDAY = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
# Default cadence, no calendar on file (UTC, Monday-Friday, 16:00-18:00): weekly check-ins from the next day for
# the four-week horizon, and the first observation cycle a week after the start on four consecutive school days.
PLAN = [
    ("check_in", 1, "2025-03-05T16:00:00Z", 60),
    ("pre_conference", 1, "2025-03-11T16:00:00Z", 30),
    ("check_in", 2, "2025-03-12T16:00:00Z", 60),
    ("observation", 1, "2025-03-12T17:00:00Z", 45),  # the check-in holds 16:00-17:00 that day
    ("debrief", 1, "2025-03-13T16:00:00Z", 30),
    ("reflection", 1, "2025-03-14T16:00:00Z", 30),
    ("check_in", 3, "2025-03-19T16:00:00Z", 60),
    ("check_in", 4, "2025-03-26T16:00:00Z", 60),
]


def _rid() -> str:
    return f"rel-{uuid.uuid4().hex[:12]}"


async def _meetings(http, relationship_id: str) -> list[dict]:
    response = await http.get("/meetings", params={"relationship_id": relationship_id})
    assert response.status_code == 200, response.text
    return response.json()


async def _all(http, rid: str) -> list[dict] | None:
    meetings = await _meetings(http, rid)
    return meetings if len(meetings) == len(PLAN) else None


async def test_started_relationship_gets_four_weeks_of_meetings_and_one_event_each(http, bus):
    rid = _rid()
    await bus.publish(bus.started(rid, TUESDAY))

    meetings = await eventually(lambda: _all(http, rid))
    assert [(m["kind"], m["starts_at"].replace("+00:00", "Z"), m["duration_minutes"]) for m in meetings] == [
        (kind, start, minutes) for kind, _, start, minutes in PLAN
    ]
    for m, (kind, index, _, _) in zip(meetings, PLAN, strict=True):
        assert m["id"] == derived_id("meeting", rid, kind, str(index))
        assert (m["status"], m["sequence"], m["time_zone"]) == ("scheduled", 0, "UTC")
        assert m["participant_ids"] == ["mentor-1", "mentee-1"]
        assert (m["program_id"], m["district"], m["relationship_id"]) == ("prog-1", bus.district, rid)

    await eventually(lambda: len(bus.of_type("scheduled")) == len(PLAN))
    for envelope in bus.of_type("scheduled"):
        body = envelope["body"]
        assert envelope["subject"] == f"mentoring.scheduling.{bus.district}.meeting.scheduled.v1"
        assert envelope["headers"]["Nats-Msg-Id"] == body["id"]
        assert body["type"] == "org.mentoring.meeting.scheduled.v1"
        assert body["id"] == derived_id("meeting.scheduled", body["data"]["meeting_id"])
        assert body["district"] == bus.district and body["source"] == "/mentoring/scheduling"
    by_meeting = {e["body"]["data"]["meeting_id"]: e["body"]["data"] for e in bus.of_type("scheduled")}
    assert {m["id"] for m in meetings} == set(by_meeting)
    check_in = by_meeting[meetings[0]["id"]]
    assert (check_in["meeting_kind"], check_in["duration_minutes"], check_in["time_zone"]) == ("check_in", 60, "UTC")
    assert check_in["participant_ids"] == ["mentor-1", "mentee-1"]

    mentees = (await http.get("/meetings", params={"participant_id": "mentee-1", "relationship_id": rid})).json()
    assert [m["id"] for m in mentees] == [m["id"] for m in meetings]
    metrics = (await http.get("/metrics")).text
    assert 'mentoring_meetings_scheduled_total{kind="check_in"} 4.0' in metrics
    assert 'mentoring_meetings_scheduled_total{kind="reflection"} 1.0' in metrics


async def test_redelivered_start_schedules_nothing_new(http, bus):
    rid = _rid()
    envelope = bus.started(rid, TUESDAY)
    await bus.publish(envelope)
    first = await eventually(lambda: _all(http, rid))
    await eventually(lambda: len(bus.of_type("scheduled")) == len(PLAN))

    # Same envelope, new Nats-Msg-Id: JetStream stores it again, as a redelivery would hand it over again.
    seq = await bus.publish(envelope, msg_id=f"redelivery-{uuid.uuid4()}")
    await bus.processed("relationship_started_v1", seq)
    assert await bus.dead_letters() == 0

    assert await _meetings(http, rid) == first
    assert len(bus.of_type("scheduled")) == len(PLAN)
    assert len({e["body"]["id"] for e in bus.of_type("scheduled")}) == len(PLAN)
    metrics = (await http.get("/metrics")).text
    assert 'mentoring_meetings_scheduled_total{kind="check_in"} 4.0' in metrics


async def test_ended_relationship_cancels_meetings_after_the_end_only(http, bus):
    rid = _rid()
    await bus.publish(bus.started(rid, TUESDAY))
    await eventually(lambda: _all(http, rid))
    held = (await _meetings(http, rid))[0]
    assert (await http.post(f"/meetings/{held['id']}/complete", json={"duration_minutes": 50})).status_code == 200

    # 0.4 s before the pre-conference starts: it and everything after it are cancelled, the held check-in is not.
    ended = bus.ended(rid, datetime(2025, 3, 11, 15, 59, 59, 600_000, tzinfo=UTC))
    await bus.publish(ended)
    after = ["completed"] + ["cancelled"] * (len(PLAN) - 1)
    await eventually(lambda: _statuses(http, rid, after))
    cancelled = await _meetings(http, rid)
    assert cancelled[1]["cancel_reason"] == "relationship_ended" and cancelled[1]["cancelled_at"]
    assert cancelled[1]["cancelled_by"] is None

    seq = await bus.publish(ended, msg_id=f"redelivery-{uuid.uuid4()}")
    await bus.processed("relationship_ended_v1", seq)
    assert await bus.dead_letters() == 0
    assert await _meetings(http, rid) == cancelled  # cancelled_at untouched: nothing changed

    response = await http.post(f"/meetings/{cancelled[3]['id']}/complete", json={"duration_minutes": 30})
    assert response.status_code == 409
    assert "cancelled" in response.json()["detail"]
    events = await eventually(lambda: len(bus.of_type("cancelled")) == len(PLAN) - 1 and bus.of_type("cancelled"))
    assert {e["body"]["data"]["meeting_id"] for e in events} == {m["id"] for m in cancelled[1:]}
    assert all(e["body"]["data"]["cancelled_by"] is None for e in events)
    assert all("reason" not in str(e["body"]["data"]) for e in events)  # the reason never travels
    metrics = (await http.get("/metrics")).text
    assert 'mentoring_meetings_cancelled_total{kind="debrief"} 1.0' in metrics
    assert 'mentoring_meetings_cancelled_total{kind="check_in"} 3.0' in metrics


async def test_end_processed_before_start_still_cancels(http, bus):
    rid = _rid()
    # Ended 0.4 s after the pre-conference started: it (and the check-in before it) stay, everything later goes.
    seq = await bus.publish(bus.ended(rid, datetime(2025, 3, 11, 16, 0, 0, 400_000, tzinfo=UTC)))
    await bus.processed("relationship_ended_v1", seq)
    await bus.publish(bus.started(rid, TUESDAY))
    await eventually(lambda: _statuses(http, rid, ["scheduled", "scheduled"] + ["cancelled"] * (len(PLAN) - 2)))


async def _statuses(http, rid: str, expected: list[str]) -> bool:
    return [m["status"] for m in await _meetings(http, rid)] == expected
