"""SMART goals and GROW reflections (who reads what), and closure publishing ``ClosureRecorded`` once."""

from __future__ import annotations

from shared.auth.principal import Role
from shared.contracts.envelope import derived_id
from shared.contracts.feedback import ClosureRecorded
from tests.plugins.services import eventually

from .conftest import Harness

GROW = {
    "goal": "calmer transitions",
    "reality": "5 minutes lost each change",
    "options": "timers, routines",
    "way_forward": "try a timer",
}


async def test_goals_are_shared_by_the_partners_and_read_by_their_coordinator(feedback: Harness):
    h = feedback
    rel = await h.start_relationship()
    url = f"/relationships/{rel.relationship_id}/goals"
    mentor, mentee = h.teacher(rel.mentor_id), h.teacher(rel.mentee_id, Role.MENTEE)
    goal = {"what": "Use exit tickets daily", "measure": "4 of 5 lessons a week", "target_date": "2026-03-01"}
    created = await h.http.post(url, json=goal, headers=mentee)
    assert created.status_code == 201, created.text
    made = created.json()
    assert (made["what"], made["percent"], made["progress"], made["created_by"]) == (goal["what"], 0, [], rel.mentee_id)

    progress = await h.http.post(f"{url}/{made['id']}/progress", json={"percent": 40, "note": "3 of 5 now"}, headers=mentor)
    assert progress.status_code == 201 and progress.json()["percent"] == 40
    await h.http.post(f"{url}/{made['id']}/progress", json={"percent": 60}, headers=mentee)
    for reader in (mentor, mentee, None):  # None: the district's coordinator (the harness default)
        listed = await h.http.get(url, headers=reader)
        assert listed.status_code == 200
        (only,) = listed.json()
        assert only["percent"] == 60 and [(p["percent"], p["by"]) for p in only["progress"]] == [
            (40, rel.mentor_id),
            (60, rel.mentee_id),
        ]

    assert (await h.http.post(url, json=goal)).status_code == 403  # the coordinator only reads
    outsider = h.teacher("someone-else")
    assert (await h.http.get(url, headers=outsider)).status_code == 404
    assert (await h.http.post(f"{url}/nope/progress", json={"percent": 1}, headers=mentor)).status_code == 404
    bad = await h.http.post(url, json={**goal, "target_date": "soon", "what": " "}, headers=mentor)
    assert bad.status_code == 422 and {tuple(e["loc"]) for e in bad.json()["detail"]} == {
        ("body", "target_date"),
        ("body", "what"),
    }
    too_much = await h.http.post(f"{url}/{made['id']}/progress", json={"percent": 101}, headers=mentor)
    assert too_much.status_code == 422 and too_much.json()["detail"][0]["loc"] == ["body", "percent"]
    assert not [m for m in h.seen if "exit tickets" in str(m)], "a goal went on the bus"


async def test_a_reflection_is_private_to_its_author_unless_shared(feedback: Harness):
    h = feedback
    rel = await h.start_relationship()
    url = f"/relationships/{rel.relationship_id}/reflections"
    mentor, mentee = h.teacher(rel.mentor_id), h.teacher(rel.mentee_id, Role.MENTEE)
    private = await h.http.post(url, json={**GROW, "goal": "my private worry"}, headers=mentee)
    shared = await h.http.post(url, json={**GROW, "shared_with_partner": True}, headers=mentee)
    own = await h.http.post(url, json=GROW, headers=mentor)
    assert {private.status_code, shared.status_code, own.status_code} == {201}
    assert private.json()["shared_with_partner"] is False and private.json()["author_id"] == rel.mentee_id

    by_mentee = (await h.http.get(url, headers=mentee)).json()
    assert {r["id"] for r in by_mentee} == {private.json()["id"], shared.json()["id"]}
    by_mentor = (await h.http.get(url, headers=mentor)).json()
    assert {r["id"] for r in by_mentor} == {own.json()["id"], shared.json()["id"]}
    assert "my private worry" not in str(by_mentor)
    coordinator = await h.http.get(url)
    assert coordinator.status_code == 403 and "my private worry" not in coordinator.text
    assert (await h.http.get(url, headers=h.auth(Role.STATE_ADMIN))).status_code == 403
    assert (await h.http.get(url, headers=h.teacher("someone-else"))).status_code == 404
    not_bool = await h.http.post(url, json={**GROW, "shared_with_partner": "yes"}, headers=mentor)
    assert not_bool.status_code == 422
    assert "private worry" not in str(h.seen)


async def test_closure_by_a_participant_publishes_closure_recorded_once(feedback: Harness):
    h = feedback
    rel = await h.start_relationship()
    url = f"/relationships/{rel.relationship_id}/closure"
    refused = await h.http.post(url, json={"reason": "early_mismatch"}, headers=h.teacher("someone-else"))
    assert refused.status_code == 404
    bad = await h.http.post(url, json={"reason": "bored"}, headers=h.teacher(rel.mentor_id))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "reason"]

    closed = await h.http.post(url, json={"reason": "early_mismatch"}, headers=h.teacher(rel.mentee_id, Role.MENTEE))
    assert closed.status_code == 201, closed.text
    assert (closed.json()["reason"], closed.json()["recorded_by"]) == ("early_mismatch", rel.mentee_id)
    events = await eventually(lambda: h.of_type(ClosureRecorded.kind.type))
    assert events[0]["body"]["id"] == derived_id("closure.recorded", rel.relationship_id)
    assert events[0]["body"]["data"] == {
        "program_id": "P1",
        "relationship_id": rel.relationship_id,
        "reason": "early_mismatch",
        "recorded_by": rel.mentee_id,
    }
    again = await h.http.post(url, json={"reason": "completed"})  # the coordinator, too late
    assert again.status_code == 409 and "already recorded" in again.json()["detail"]
    subject = events[0]["subject"]
    assert (await h.js.stream_info("FEEDBACK", subjects_filter=subject)).state.subjects == {subject: 1}


async def test_a_coordinator_closes_with_an_opaque_id_never_their_login(feedback: Harness):
    h = feedback
    rel = await h.start_relationship()
    headers = h.auth(Role.DISTRICT_COORDINATOR, h.district, subject="jane.doe@district.example")
    closed = await h.http.post(f"/relationships/{rel.relationship_id}/closure", json={"reason": "completed"}, headers=headers)
    assert closed.status_code == 201, closed.text
    events = await eventually(lambda: h.of_type(ClosureRecorded.kind.type))
    assert events[0]["body"]["data"]["recorded_by"] == derived_id("staff", "jane.doe@district.example")
    assert "jane" not in str(h.seen)
