"""Concurrent decisions, failed and crashed runs, teachers who left, and groups that already exist."""

from __future__ import annotations

import asyncio

import services.matching.problem as problem_module
from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from shared.auth.principal import Role
from tests.integration.matching.helpers import CSV, pid, program_with, roster, run, teacher
from tests.plugins.services import eventually, running

D = "D9"


async def test_concurrent_decisions_never_double_book_a_mentee_or_a_mentor(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    csv = roster(teacher("T1", "mentor", years=12, capacity=2), teacher("S1", "mentee"), teacher("S2", "mentee"))
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv)
        done = await run(http, program["id"])
        assert len(done["proposals"]) == 2  # T1 takes both
        smaller = roster(teacher("T1", "mentor", years=12, capacity=1))
        await http.post(f"/programs/{program['id']}/roster", content=smaller, headers=CSV)  # T1 now has room for one
        answers = await asyncio.gather(*(http.post(f"/proposals/{p['id']}/approve") for p in done["proposals"]))
        assert sorted(a.status_code for a in answers) == [200, 409]
        assert len((await http.get(f"/programs/{program['id']}/relationships")).json()) == 1

    self_directed = create_app(MatchingSettings(**service_settings("matching")))
    csv = roster(teacher("T1", "mentor", years=12), teacher("T2", "mentor", years=11), teacher("S1", "mentee"))
    async with running(self_directed, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv, settings={"selection": "self_directed"})
        mentee = auth(Role.MENTEE, D, pid(D, "S1"))
        ask = f"/me/programs/{program['id']}/requests"
        answers = await asyncio.gather(
            *(http.post(ask, json={"mentor_id": pid(D, t)}, headers=mentee) for t in ("T1", "T2", "T1", "T2"))
        )
        assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
        mentor = auth(Role.MENTOR, D, pid(D, "T1"))
        as_mentor = await http.get(f"/me/programs/{program['id']}/suggestions", headers=mentor)
        assert as_mentor.status_code == 409 and "only a mentee" in as_mentor.json()["detail"]


async def test_a_failed_run_frees_its_mentees_and_a_crash_after_writing_proposals_leaves_one_set(
    service_settings, auth, monkeypatch
):
    app = create_app(MatchingSettings(**service_settings("matching", max_deliver=2)))
    csv = roster(teacher("T1", "mentor", years=12), teacher("S1", "mentee"))
    real_solve = problem_module.solve

    def broken(problem):
        raise RuntimeError("solver exploded")

    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv)
        monkeypatch.setattr(problem_module, "solve", broken)
        queued = (await http.post(f"/programs/{program['id']}/match-runs")).json()

        async def failed():
            doc = (await http.get(f"/match-runs/{queued['id']}")).json()
            return doc if doc["status"] == "failed" else None

        doc = await eventually(failed, timeout=20)
        assert doc["attempts"] == 2 and "solver exploded" in doc["error"]
        monkeypatch.setattr(problem_module, "solve", real_solve)
        body = {"mentee_id": pid(D, "S1"), "mentor_id": pid(D, "T1")}
        assert (await http.post(f"/programs/{program['id']}/proposals", json=body)).status_code == 201

        # A replica dies right after writing a run's proposals, before marking it done: the retry leaves one set.
        repo = app.state.matching.repo
        real_finish, calls = repo.finish_run, []

        async def crash_once(run_id, status, fields):
            calls.append(run_id)
            if len(calls) == 1:
                raise ConnectionError("replica died")
            return await real_finish(run_id, status, fields)

        monkeypatch.setattr(repo, "finish_run", crash_once)
        second = await run(http, program["id"], scope="all")
        assert second["attempts"] == 2 and len(calls) == 2
        all_of_run = await repo.proposals.find({"run_id": second["id"]}).to_list()
        assert len(all_of_run) == len(second["proposals"])  # nothing left over from the crashed attempt


async def test_teachers_who_left_are_not_proposed_again(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    csv = roster(teacher("T1", "mentor", years=12), teacher("T2", "mentor", years=5), teacher("S1", "mentee"))
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv)
        done = await run(http, program["id"])
        relationship = (await http.post(f"/proposals/{done['proposals'][0]['id']}/approve")).json()
        await http.post(f"/relationships/{relationship['id']}/end", json={"reason": "early_mentee_left"})
        after = await run(http, program["id"])
        assert after["proposals"] == [] and after["unmatched"] == []  # S1 left: not proposed, not waiting
        people = {p["external_id"]: p for p in (await http.get(f"/programs/{program['id']}/participants")).json()}
        assert people["S1"]["left_at"] is not None and people["T1"].get("left_at") is None
        # Back on the roster: S1 takes part again (never with T1, a previous partner).
        await http.post(f"/programs/{program['id']}/roster", content=roster(teacher("S1", "mentee")), headers=CSV)
        back = await run(http, program["id"])
        assert [p["mentor_id"] for p in back["proposals"]] == [pid(D, "T2")]


async def test_late_enrolees_join_existing_groups_before_new_ones_form(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    rules = {"group_min": 3, "group_max": 4}
    first = [teacher(f"S{i}", "mentee") for i in range(3)]
    csv = roster(teacher("T1", "mentor", years=12, capacity=10), teacher("T2", "mentor", years=12, capacity=4), *first)
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = await program_with(http, D, csv, model="group", rules=rules)
        done = await run(http, program["id"])
        assert {p["mentor_id"] for p in done["proposals"]} == {pid(D, "T1")} and len(done["proposals"]) == 3
        for p in done["proposals"]:
            assert (await http.post(f"/proposals/{p['id']}/approve")).status_code == 200
        # Two late mentees: one fills T1's group to group_max (4, not the capacity 10); one cannot start a group of 1.
        late = roster(teacher("S8", "mentee"), teacher("S9", "mentee"))
        await http.post(f"/programs/{program['id']}/roster", content=late, headers=CSV)

        async def late_run():
            runs = (await http.get(f"/programs/{program['id']}/match-runs")).json()
            return runs[-1] if len(runs) == 2 and runs[-1]["status"] == "done" else None

        await eventually(late_run)
        drafts = (await http.get(f"/programs/{program['id']}/proposals", params={"status": "draft"})).json()
        assert [p["mentor_id"] for p in drafts] == [pid(D, "T1")]
        waiting = (await http.get(f"/match-runs/{(await late_run())['id']}")).json()["unmatched"]
        assert len(waiting) == 1 and "group" in waiting[0]["reason"]
