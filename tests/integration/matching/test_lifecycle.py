"""A program over time: late enrolees, rematch after an early end, and the induction timer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import nats

from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from shared.auth.principal import Role
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.feedback import ClosureRecorded
from shared.contracts.matching import EndReason
from tests.integration.matching.helpers import CSV, pid, program_with, roster, run, teacher
from tests.plugins.services import eventually, running

D = "D5"


async def drafts(http, program_id):
    return (await http.get(f"/programs/{program_id}/proposals", params={"status": "draft"})).json()


async def test_late_enrolees_fill_the_room_left_and_an_early_end_brings_a_rematch(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    csv = roster(teacher("T1", "mentor", years=12, capacity=2), teacher("T2", "mentor", years=5), teacher("S1", "mentee"))
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv)
        first = await run(http, program["id"])
        assert [p["mentor_id"] for p in first["proposals"]] == [pid(D, "T1")]
        relationship = (await http.post(f"/proposals/{first['proposals'][0]['id']}/approve")).json()

        # Two teachers join late: a run for the remaining capacity is queued by itself; S1's pair stays as it is.
        late = roster(teacher("S2", "mentee", years=1), teacher("S3", "mentee", years=0))
        assert (await http.post(f"/programs/{program['id']}/roster", content=late, headers=CSV)).json()["new"] == 2
        late_drafts = await eventually(lambda: drafts(http, program["id"]))
        assert {p["mentee_id"] for p in late_drafts} == {pid(D, "S2"), pid(D, "S3")}
        assert sorted(p["mentor_id"] for p in late_drafts) == sorted([pid(D, "T1"), pid(D, "T2")])  # T1 had one place left
        runs = (await http.get(f"/programs/{program['id']}/match-runs")).json()
        assert [r["scope"] for r in runs] == ["all", "remaining"]
        active = (await http.get(f"/programs/{program['id']}/relationships")).json()
        assert [(r["id"], r["status"]) for r in active] == [(relationship["id"], "active")]

        # The first relationship ends early (a mismatch): S1 is rematched, never with T1 again.
        for p in late_drafts:
            await http.post(f"/proposals/{p['id']}/reject")
        ended = await http.post(f"/relationships/{relationship['id']}/end", json={"reason": "early_mismatch"})
        assert ended.status_code == 200
        rematch = await eventually(lambda: drafts(http, program["id"]))
        assert [(p["mentee_id"], p["mentor_id"]) for p in rematch if p["mentee_id"] == pid(D, "S1")] == [
            (pid(D, "S1"), pid(D, "T2"))
        ]
        # Ending it again changes nothing, and queues no second rematch.
        assert (await http.post(f"/relationships/{relationship['id']}/end", json={"reason": "early_mismatch"})).status_code == 200
        assert len((await http.get(f"/programs/{program['id']}/match-runs")).json()) == 3


async def test_induction_timer_flags_a_mentee_unmatched_after_30_days_once(service_settings, nats_server, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    nc = await nats.connect(nats_server.url)
    flagged: list[dict] = []

    async def collect(msg):
        flagged.append(json.loads(msg.data))

    await nc.subscribe(f"mentoring.matching.{D}.induction.flagged.v1", cb=collect)
    csv = roster(teacher("T1", "mentor", years=12), teacher("S1", "mentee"), teacher("S2", "mentee", "art", "K-2"))
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv)
        done = await run(http, program["id"])
        await http.post(f"/proposals/{done['proposals'][0]['id']}/approve")  # S1 matched; S2 (art) waits
        induction = app.state.induction
        enrolled = datetime.now(UTC)
        induction.clock = lambda: enrolled + timedelta(days=29, hours=23)
        assert await induction.sweep() == 0
        induction.clock = lambda: enrolled + timedelta(days=31)
        assert await induction.sweep() == 1
        assert await induction.sweep() == 0  # flagged once, however often (and by however many replicas) it sweeps
        await eventually(lambda: flagged)
        assert [(e["data"]["participant_id"], e["data"]["days_unmatched"]) for e in flagged] == [(pid(D, "S2"), 31)]
        metrics = (await http.get("/metrics")).text
        assert "mentoring_induction_flagged_total 1.0" in metrics
        assert "mentoring_mentees_unmatched_overdue 1.0" in metrics
        people = {p["external_id"]: p for p in (await http.get(f"/programs/{program['id']}/participants")).json()}
        assert people["S2"]["flagged_at"] and "flagged_at" not in people["S1"]
    await nc.close()


async def test_a_closure_recorded_in_feedback_ends_the_relationship_and_status_feeds_retention(
    service_settings, nats_server, auth
):
    app = create_app(MatchingSettings(**service_settings("matching")))
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    seen: list[dict] = []

    async def collect(msg):
        seen.append(json.loads(msg.data))

    await nc.subscribe(f"mentoring.matching.{D}.>", cb=collect)
    csv = roster(teacher("T1", "mentor", years=12), teacher("T2", "mentor", years=5), teacher("S1", "mentee"))
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv)
        done = await run(http, program["id"])
        relationship = (await http.post(f"/proposals/{done['proposals'][0]['id']}/approve")).json()
        closure = ClosureRecorded(
            program_id=program["id"], relationship_id=relationship["id"], reason=EndReason.EARLY_MISMATCH, recorded_by="x"
        )
        for attempt in range(2):  # delivered twice (a redelivery): one end, one rematch
            envelope = make_event(closure, D, relationship["id"], derived_id("closure", relationship["id"]))
            await js.publish(envelope.nats_subject, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": f"c{attempt}"})

        async def ended():
            doc = (await http.get(f"/relationships/{relationship['id']}")).json()
            return doc if doc["status"] == "ended" else None

        assert (await eventually(ended))["end_reason"] == "early_mismatch"
        rematch = await eventually(lambda: drafts(http, program["id"]))
        assert [p["mentor_id"] for p in rematch] == [pid(D, "T2")]

        status = {"status": "left_teaching", "term": "2027-28"}
        answer = await http.post(f"/programs/{program['id']}/participants/{pid(D, 'S1')}/status", json=status)
        assert answer.status_code == 200 and answer.json()["teaching_status"] == {"2027-28": "left_teaching"}
        bad = await http.post(f"/programs/{program['id']}/participants/{pid(D, 'S1')}/status", json={**status, "term": "27"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "term"]
        changed = await eventually(lambda: [e for e in seen if e["type"] == "org.mentoring.participant.status_changed.v1"])
        assert changed[0]["data"]["status"] == "left_teaching" and changed[0]["data"]["term"] == "2027-28"
        ends = {e["id"] for e in seen if e["type"] == "org.mentoring.relationship.ended.v1"}
        enrolled = [e for e in seen if e["type"] == "org.mentoring.participant.enrolled.v1"]
        assert len(ends) == 1 and {e["data"]["school"] for e in enrolled} == {"Lincoln"}
    await nc.close()
