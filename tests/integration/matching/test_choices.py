"""Pairs chosen by hand: a coordinator's edits, and the self-directed mode (suggest, request, accept or decline)."""

from __future__ import annotations

import json

import nats

from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from shared.auth.principal import Role
from tests.integration.matching.helpers import pid, program_with, roster, run, teacher
from tests.plugins.services import eventually, running

D = "D4"


async def test_coordinator_moves_a_mentee_within_the_rules_or_knowingly_past_them(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    csv = roster(
        teacher("T1", "mentor", years=12),
        teacher("T2", "mentor", years=10),
        teacher("T3", "mentor", "art", "K-2", years=15),
        teacher("S1", "mentee"),
        teacher("S2", "mentee", "music", "K-2"),
    )
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv)
        done = await run(http, program["id"])
        draft = done["proposals"][0]
        assert draft["mentee_id"] == pid(D, "S1")
        other = pid(D, "T2") if draft["mentor_id"] == pid(D, "T1") else pid(D, "T1")

        moved = await http.post(f"/proposals/{draft['id']}/reassign", json={"mentor_id": other})
        assert moved.status_code == 200, moved.text
        assert moved.json()["mentor_id"] == other and moved.json()["edited"] is True
        refused = await http.post(f"/proposals/{draft['id']}/reassign", json={"mentor_id": pid(D, "T3")})
        assert refused.status_code == 409
        assert "subject_match, grade_band_overlap" in refused.json()["detail"]
        unknown_rule = await http.post(f"/proposals/{draft['id']}/reassign", json={"mentor_id": other, "override": ["vibes"]})
        assert unknown_rule.status_code == 422 and unknown_rule.json()["detail"][0]["loc"] == ["body", "override"]

        # S2 (music) was left unmatched; the coordinator pairs it with the art mentor, overriding the subject rule.
        assert [u["mentee_id"] for u in done["unmatched"]] == [pid(D, "S2")]
        body = {"mentee_id": pid(D, "S2"), "mentor_id": pid(D, "T3"), "override": ["subject_match"]}
        created = await http.post(f"/programs/{program['id']}/proposals", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["overridden"] == ["subject_match"] and created.json()["origin"] == "coordinator"
        twice = await http.post(f"/programs/{program['id']}/proposals", json=body)
        assert twice.status_code == 409 and "open proposal" in twice.json()["detail"]
        approved = await http.post(f"/proposals/{created.json()['id']}/approve")
        assert approved.status_code == 200 and approved.json()["mentor_id"] == pid(D, "T3")


async def test_self_directed_mentee_requests_and_the_mentor_answers(service_settings, nats_server, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    csv = roster(
        teacher("T1", "mentor", years=12, expertise="ell;assessment", style="collaborative"),
        teacher("T2", "mentor", years=10),
        teacher("T3", "mentor", "art", "K-2", years=15),
        teacher("S1", "mentee", expertise="ell", style="collaborative"),
        teacher("S2", "mentee"),
    )
    nc = await nats.connect(nats_server.url)
    seen: list[dict] = []

    async def collect(msg):
        seen.append(json.loads(msg.data))

    await nc.subscribe(f"mentoring.matching.{D}.>", cb=collect)
    mentee, mentor1, mentor2 = (auth(r, D, pid(D, e)) for r, e in ((Role.MENTEE, "S1"), (Role.MENTOR, "T1"), (Role.MENTOR, "T2")))
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        settings = {"selection": "self_directed", "suggestions": 2}
        program = await program_with(http, D, csv, settings=settings)
        mine = (await http.get("/me/programs", headers=mentee)).json()
        assert [(p["id"], p["role"]) for p in mine] == [(program["id"], "mentee")]

        url = f"/me/programs/{program['id']}/suggestions"
        offered = (await http.get(url, headers=mentee)).json()
        assert [s["mentor_id"] for s in offered] == [pid(D, "T1"), pid(D, "T2")]  # top 2; the art mentor is not eligible
        assert offered[0]["name"] == "Name T1" and offered[0]["breakdown"]["shared_interests"] > 0

        ask = f"/me/programs/{program['id']}/requests"
        assert (await http.post(ask, json={"mentor_id": pid(D, "T3")}, headers=mentee)).status_code == 409
        first = await http.post(ask, json={"mentor_id": pid(D, "T1")}, headers=mentee)
        assert first.status_code == 201 and first.json()["status"] == "requested"
        assert (await http.post(ask, json={"mentor_id": pid(D, "T2")}, headers=mentee)).status_code == 409  # one at a time
        received = (await http.get("/me/requests", headers=mentor1)).json()["received"]
        assert [r["id"] for r in received] == [first.json()["id"]]
        # Only the asked mentor answers; another mentor gets the 404 of an unknown request.
        assert (await http.post(f"/requests/{first.json()['id']}/accept", headers=mentor2)).status_code == 404
        declined = await http.post(f"/requests/{first.json()['id']}/decline", headers=mentor1)
        assert declined.status_code == 200 and declined.json()["status"] == "declined"

        second = (await http.post(ask, json={"mentor_id": pid(D, "T2")}, headers=mentee)).json()
        accepted = await http.post(f"/requests/{second['id']}/accept", headers=mentor2)
        assert accepted.status_code == 200 and accepted.json()["mentee_id"] == pid(D, "S1")
        assert (await http.get(url, headers=mentee)).status_code == 409  # matched now: no more suggestions

        await eventually(
            lambda: {"org.mentoring.relationship.started.v1", "org.mentoring.match.declined.v1"} <= {e["type"] for e in seen}
        )
        requested = [e for e in seen if e["type"] == "org.mentoring.match.requested.v1"]
        assert [e["data"]["mentor_id"] for e in requested] == [pid(D, "T1"), pid(D, "T2")]
        assert "Name" not in json.dumps(seen)
    await nc.close()
