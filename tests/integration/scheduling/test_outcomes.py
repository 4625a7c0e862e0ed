"""Recording outcomes over HTTP: events published once, conflicts and validation errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from shared.contracts.envelope import derived_id
from tests.plugins.services import eventually


@pytest.fixture
async def meetings(http, bus) -> list[dict]:
    """The first four weeks of meetings of a freshly started relationship (eight with the default cadence)."""
    rid = f"rel-{uuid.uuid4().hex[:12]}"
    await bus.publish(bus.started(rid, datetime(2025, 3, 4, 9, tzinfo=UTC)))

    async def planned() -> list[dict] | None:
        found = (await http.get("/meetings", params={"relationship_id": rid})).json()
        return found if len(found) == 8 else None

    return await eventually(planned)  # type: ignore[no-any-return]


async def test_complete_publishes_meeting_completed_once(http, bus, meetings):
    check_in = meetings[0]
    response = await http.post(f"/meetings/{check_in['id']}/complete", json={"duration_minutes": 55})
    assert response.status_code == 200
    assert response.json()["status"] == "completed" and response.json()["actual_minutes"] == 55
    again = await http.post(f"/meetings/{check_in['id']}/complete", json={"duration_minutes": 55})
    assert again.status_code == 200 and again.json() == response.json()

    [event] = await eventually(lambda: bus.of_type("completed"))
    assert event["subject"] == f"mentoring.scheduling.{bus.district}.meeting.completed.v1"
    assert event["headers"]["Nats-Msg-Id"] == event["body"]["id"] == derived_id("meeting.completed", check_in["id"])
    assert event["body"]["data"] == {
        "program_id": "prog-1",
        "relationship_id": check_in["relationship_id"],
        "meeting_id": check_in["id"],
        "meeting_kind": "check_in",
        "duration_minutes": 55,
    }
    assert (await http.get(f"/meetings/{check_in['id']}")).json()["status"] == "completed"

    other_length = await http.post(f"/meetings/{check_in['id']}/complete", json={"duration_minutes": 40})
    assert other_length.status_code == 409
    other_outcome = await http.post(f"/meetings/{check_in['id']}/missed", json={"absent_ids": ["mentee-1"]})
    assert other_outcome.status_code == 409 and "completed" in other_outcome.json()["detail"]
    assert len(bus.of_type("completed")) == 1 and not bus.of_type("missed")
    metrics = (await http.get("/metrics")).text
    assert "mentoring_mentoring_minutes_total 55.0" in metrics
    assert 'mentoring_meetings_completed_total{kind="check_in"} 1.0' in metrics


async def test_missed_publishes_meeting_missed_once(http, bus, meetings):
    observation = next(m for m in meetings if m["kind"] == "observation")
    url = f"/meetings/{observation['id']}/missed"
    response = await http.post(url, json={"absent_ids": ["mentee-1", "mentee-1"]})
    assert response.status_code == 200
    assert response.json()["status"] == "missed" and response.json()["absent_ids"] == ["mentee-1"]
    assert (await http.post(url, json={"absent_ids": ["mentee-1"]})).json() == response.json()

    [event] = await eventually(lambda: bus.of_type("missed"))
    assert event["headers"]["Nats-Msg-Id"] == event["body"]["id"] == derived_id("meeting.missed", observation["id"])
    assert event["body"]["data"]["absent_ids"] == ["mentee-1"]
    assert event["body"]["data"]["meeting_kind"] == "observation"
    assert (await http.post(f"/meetings/{observation['id']}/complete", json={"duration_minutes": 45})).status_code == 409
    assert (await http.post(url, json={"absent_ids": ["mentor-1"]})).status_code == 409
    assert len(bus.of_type("missed")) == 1 and not bus.of_type("completed")
    assert 'mentoring_meetings_missed_total{kind="observation"} 1.0' in (await http.get("/metrics")).text


async def test_bad_input_is_rejected_with_the_field_named(http, meetings):
    meeting = meetings[1]
    for minutes in (0, 481, "long"):
        response = await http.post(f"/meetings/{meeting['id']}/complete", json={"duration_minutes": minutes})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "duration_minutes"]
    for absent in ([], ["stranger-9"], ["mentor-1", "stranger-9"]):
        response = await http.post(f"/meetings/{meeting['id']}/missed", json={"absent_ids": absent})
        assert response.status_code == 422, absent
        assert response.json()["detail"][0]["loc"][:2] == ["body", "absent_ids"]
    assert "stranger-9" in response.json()["detail"][0]["msg"]
    assert (await http.get(f"/meetings/{meeting['id']}")).json()["status"] == "scheduled"

    unfiltered = await http.get("/meetings")
    assert unfiltered.status_code == 422
    assert unfiltered.json()["detail"][0]["loc"] == ["query", "relationship_id"]
    assert "participant_id" in unfiltered.json()["detail"][0]["msg"]


async def test_unknown_meeting_is_404(http):
    unknown = str(uuid.uuid4())
    assert (await http.get(f"/meetings/{unknown}")).status_code == 404
    assert (await http.post(f"/meetings/{unknown}/complete", json={"duration_minutes": 30})).status_code == 404
    assert (await http.post(f"/meetings/{unknown}/missed", json={"absent_ids": ["a"]})).status_code == 404
    assert (await http.get("/meetings", params={"participant_id": unknown})).json() == []


async def test_openapi_documents_every_route(http):
    spec = (await http.get("/openapi.json")).json()
    assert set(spec["paths"]["/meetings/{meeting_id}/missed"]["post"]["responses"]) >= {"200", "404", "409", "422"}
    assert spec["paths"]["/meetings"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
