"""Program rules over HTTP, runs built by the engine (breakdowns, alternatives, reasons), group programs, profiles."""

from __future__ import annotations

from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from shared.auth.principal import Role
from tests.integration.matching.helpers import CSV, pid, program_with, roster, run, teacher
from tests.plugins.services import running

D = "D3"


async def test_rules_decide_who_is_eligible_and_runs_explain_every_pair(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    csv = roster(
        teacher("T1", "mentor", years=12, expertise="classroom management;ell", style="collaborative"),
        teacher("T2", "mentor", years=9, expertise="assessment", style="directive"),
        teacher("T3", "mentor", years=20, trained="no"),
        teacher("S1", "mentee", years=0, expertise="classroom management", style="collaborative"),
        teacher("S2", "mentee", years=1),
        teacher("S3", "mentee", years=1),
    )
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv)
        assert program["rules"]["hard"]["trained_only"] is True and program["settings"]["selection"] == "coordinator"
        first = await run(http, program["id"])
        by_mentee = {p["mentee_id"]: p for p in first["proposals"]}
        # S1 shares T1's interest and style: T1 is its best mentor; the breakdown sums to the score.
        s1 = by_mentee[pid(D, "S1")]
        assert s1["mentor_id"] == pid(D, "T1")
        assert s1["breakdown"]["shared_interests"] > 0 and s1["breakdown"]["support_style"] > 0
        assert abs(sum(s1["breakdown"].values()) - s1["score"]) < 1e-6
        assert [a["mentor_id"] for a in s1["alternatives"]] == [pid(D, "T2")]
        # Two trained mentors for three mentees: one waits, and the run says why.
        assert len(first["proposals"]) == 2 and first["matched"] == 2
        assert [u["reason"] for u in first["unmatched"]] == ["capacity exhausted"]
        assert first["proven_optimal"] is True and first["pairs_considered"] == 6

        # The coordinator lets untrained mentors in; the next run matches everyone and supersedes the drafts.
        bad = await http.put(f"/programs/{program['id']}/rules", json={"hard": {"min_experience_gap": -1}})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "hard", "min_experience_gap"]
        wrong_mode = await http.put(f"/programs/{program['id']}/rules", json={"mode": "peer"})
        assert wrong_mode.status_code == 422 and wrong_mode.json()["detail"][0]["loc"] == ["body", "mode"]
        updated = await http.put(f"/programs/{program['id']}/rules", json={"hard": {"trained_only": False}})
        assert updated.status_code == 200 and updated.json()["rules"]["hard"]["trained_only"] is False
        second = await run(http, program["id"])
        assert len(second["proposals"]) == 3 and second["unmatched"] == []
        drafts = (await http.get(f"/programs/{program['id']}/proposals", params={"status": "draft"})).json()
        assert {p["run_id"] for p in drafts} == {second["id"]}
        superseded = (await http.get(f"/programs/{program['id']}/proposals", params={"status": "superseded"})).json()
        assert len(superseded) == 2

        runs = (await http.get(f"/programs/{program['id']}/match-runs")).json()
        assert [r["id"] for r in runs] == [first["id"], second["id"]] and {r["attempts"] for r in runs} == {1}


async def test_group_program_fills_groups_within_their_bounds(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    mentees = [teacher(f"S{i}", "mentee", years=0) for i in range(5)]
    csv = roster(teacher("T1", "mentor", years=10, capacity=4), teacher("T2", "mentor", years=10, capacity=4), *mentees)
    rules = {"group_min": 2, "group_max": 3}
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv, model="group", rules=rules)
        assert program["rules"]["mode"] == "group"
        done = await run(http, program["id"])
        sizes = sorted([p["mentor_id"] for p in done["proposals"]].count(pid(D, t)) for t in ("T1", "T2"))
        assert sizes == [2, 3]  # five mentees, groups of 2..3, nobody left out


async def test_profiles_come_in_with_every_column_and_bad_cells_are_named(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    header = "external_id,name,email,role,school,subjects,grade_bands,years_experience,availability,languages,exclusions,trained"
    csv = "\n".join(
        [
            header,
            "T1,Ana,ana@example.org,mentor,Lincoln,math,6-8,12,tue 15:30-16:30,en;es,S2,yes",
            "S1,Ben,ben@example.org,mentee,Lincoln,math,6-8,0,tue 16:00-17:00,es,,",
            "S2,Cleo,cleo@example.org,mentee,Lincoln,math,6-8,0,,,,",
            "S3,Dev,dev@example.org,mentee,Lincoln,math,6-8,0,tue 17:00-16:00,,,",
            "P1,Eve,eve@example.org,peer,Lincoln,math,6-8,0,,,,",
        ]
    )
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = (await http.post("/programs", json={"district": D, "name": "Induction"})).json()
        report = (await http.post(f"/programs/{program['id']}/roster", content=csv + "\n", headers=CSV)).json()
        assert report["accepted"] == 3
        assert [(e["row"], e["field"]) for e in report["errors"]] == [(5, "availability"), (6, "role")]
        people = {p["external_id"]: p for p in (await http.get(f"/programs/{program['id']}/participants")).json()}
        assert people["T1"]["availability"] == [{"weekday": "tue", "start": "15:30", "end": "16:30"}]
        assert people["T1"]["exclusions"] == [pid(D, "S2")] and people["T1"]["trained"] is True
        done = await run(http, program["id"])
        assert [(p["mentor_id"], p["mentee_id"]) for p in done["proposals"]] == [(pid(D, "T1"), pid(D, "S1"))]
        assert done["proposals"][0]["breakdown"]["availability_overlap"] > 0
        assert {u["mentee_id"]: u["reason"] for u in done["unmatched"]} == {pid(D, "S2"): "no eligible mentor: excluded"}

        # A re-import without the optional columns keeps what was given before.
        again = "\n".join([header.rsplit(",", 4)[0], "T1,Ana,ana@example.org,mentor,Lincoln,math,6-8,13"]) + "\n"
        assert (await http.post(f"/programs/{program['id']}/roster", content=again, headers=CSV)).json()["new"] == 0
        people = {p["external_id"]: p for p in (await http.get(f"/programs/{program['id']}/participants")).json()}
        assert people["T1"]["years_experience"] == 13 and people["T1"]["trained"] is True
