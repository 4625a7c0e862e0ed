"""Matching against real NATS and nx-27017: import, run, approve, and the events on the bus."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import nats

from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from shared.auth.principal import Role
from tests.plugins.services import eventually, running

ROSTER = """external_id,name,email,role,school,subjects,grade_bands,years_experience,trained
T1,Ana Mentor,ana@example.org,mentor,Lincoln,math;science,6-8,12,yes
T2,Ben Mentor,ben@example.org,mentor,Lincoln,english,9-12,9,yes
S1,Cleo New,cleo@example.org,mentee,Lincoln,math,6-8,1,
S2,Dev New,dev@example.org,mentee,Adams,english,9-12,0,
S3,Eve New,not-an-email,mentee,Adams,art,K-2,0,
S4,Fay New,fay@example.org,mentee,Adams,art,K-2,0,
"""


async def test_roster_run_and_approval_publish_relationship_started(service_settings, nats_server, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    nc = await nats.connect(nats_server.url)
    seen: list[dict] = []

    async def collect(msg):
        seen.append({"subject": msg.subject, "headers": msg.headers, "body": json.loads(msg.data)})

    await nc.subscribe("mentoring.matching.D7.relationship.>", cb=collect)
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, "D7")) as http:
        program = (await http.post("/programs", json={"district": "D7", "name": "New teachers"})).json()
        imported = await http.post(f"/programs/{program['id']}/roster", content=ROSTER, headers={"content-type": "text/csv"})
        assert imported.status_code == 200
        report = imported.json()
        assert report["accepted"] == 5 and report["new"] == 5
        assert report["errors"] == [{"row": 6, "field": "email", "reason": report["errors"][0]["reason"]}]
        assert "email" in report["errors"][0]["reason"] or "@" in report["errors"][0]["reason"]

        run = (await http.post(f"/programs/{program['id']}/match-runs?wait=30")).json()
        pairs = {(p["mentor_id"], p["mentee_id"]) for p in run["proposals"]}
        assert len(pairs) == 2
        assert [u["reason"] for u in run["unmatched"]] == ["no eligible mentor: subject_match"]

        first = run["proposals"][0]
        approved = await http.post(f"/proposals/{first['id']}/approve")
        assert approved.status_code == 200
        again = await http.post(f"/proposals/{first['id']}/approve")
        assert again.json()["id"] == approved.json()["id"]

        await eventually(lambda: seen)
        envelope = seen[0]
        assert envelope["subject"] == "mentoring.matching.D7.relationship.started.v1"
        assert envelope["body"]["type"] == "org.mentoring.relationship.started.v1"
        assert envelope["body"]["data"]["relationship_id"] == approved.json()["id"]
        assert envelope["headers"]["Nats-Msg-Id"] == envelope["body"]["id"]
        started_at = datetime.fromisoformat(envelope["body"]["data"]["started_at"])
        assert started_at.utcoffset() == timedelta(0)
        assert "ana@example.org" not in json.dumps(envelope)
    await nc.close()


async def test_invalid_roster_file_is_rejected_with_reason(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, "D7")) as http:
        program = (await http.post("/programs", json={"district": "D7", "name": "P"})).json()
        response = await http.post(f"/programs/{program['id']}/roster", content="id,name\n1,x\n")
        assert response.status_code == 422
        assert "missing column(s): external_id" in response.json()["detail"]
        bad_district = await http.post("/programs", json={"district": "D 7!", "name": "P"})
        assert bad_district.status_code == 422
        assert bad_district.json()["detail"][0]["loc"] == ["body", "district"]
