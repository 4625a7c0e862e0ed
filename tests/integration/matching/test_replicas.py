"""Scale-out: match runs are jobs on a JetStream work queue shared by every matching replica.

Three replicas run as separate processes; the one solving a run is SIGKILLed mid-run. Every run still
finishes, exactly once in effect: one set of proposals per run, no duplicate proposal or event.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections import Counter

import httpx
import nats

from devstack.servers import start_service
from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from shared.auth.principal import Role
from tests.integration.matching.helpers import CSV, roster, run, teacher
from tests.plugins.services import eventually, running

D = "D6"
RUNS_PER_PROGRAM = 2


def replicas(tmp_path, nats_server, mongo_url, dev_keys, count=3):
    env = {
        "NATS_URL": nats_server.urls["matching"],
        "MONGODB_URL": mongo_url,
        "MATCHING_DATABASE": f"replicas_{uuid.uuid4().hex[:8]}",
        "AUTH_PUBLIC_KEY_FILE": str(dev_keys[1]),
        "MATCHING_JOB_ACK_WAIT_SECONDS": "3",  # a silent replica loses its job after 3 s
        "MATCHING_JOB_HOLD_SECONDS": "1.5",  # each job is held this long: time to kill its replica mid-run
    }
    procs = [start_service("matching", env, tmp_path / f"matching-{i}.log", wait=False) for i in range(count)]
    for proc in procs:
        _wait_healthy(proc.url)
    return procs


def _wait_healthy(url, timeout=45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never became healthy")


async def test_three_replicas_one_killed_mid_run_every_run_finished_once(tmp_path, nats_server, mongo_url, dev_keys, auth):
    procs = replicas(tmp_path, nats_server, mongo_url, dev_keys)
    nc = await nats.connect(nats_server.url)
    proposed: list[dict] = []

    async def collect(msg):
        proposed.append(json.loads(msg.data))

    await nc.subscribe(f"mentoring.matching.{D}.match.proposed.v1", cb=collect)
    mentees = [teacher(f"S{i}", "mentee", years=0) for i in range(6)]
    csv = roster(*(teacher(f"T{i}", "mentor", years=10 + i) for i in range(4)), *mentees)
    coordinator = auth(Role.DISTRICT_COORDINATOR, D)
    try:
        async with httpx.AsyncClient(headers=coordinator, timeout=10) as http:
            runs = []
            for n in range(3):
                api = procs[n].url
                program = (await http.post(f"{api}/programs", json={"district": D, "name": f"P{n}"})).json()
                assert (await http.post(f"{api}/programs/{program['id']}/roster", content=csv, headers=CSV)).status_code == 200
                for _ in range(RUNS_PER_PROGRAM):
                    runs.append((await http.post(f"{api}/programs/{program['id']}/match-runs")).json()["id"])
            api = procs[0].url

            async def claimed():
                for run_id in runs:
                    doc = (await http.get(f"{api}/match-runs/{run_id}")).json()
                    if doc["status"] == "running":
                        return doc
                return None

            victim_run = await eventually(claimed, timeout=20, interval=0.05)
            victim_pid = int(victim_run["claimed_by"].rsplit(":", 1)[1])
            victim = next(p for p in procs if p.popen.pid == victim_pid)
            os.kill(victim_pid, 9)
            survivor = next(p for p in procs if p is not victim)
            api = survivor.url

            async def all_done():
                docs = [(await http.get(f"{api}/match-runs/{run_id}")).json() for run_id in runs]
                return docs if all(d["status"] == "done" for d in docs) else None

            finished = await eventually(all_done, timeout=60, interval=0.2)
            assert victim.popen.wait(5) == -9
    finally:
        for proc in procs:
            proc.stop()
        await nc.close()

    by_id = {d["id"]: d for d in finished}
    killed = by_id[victim_run["id"]]
    assert killed["attempts"] >= 2 and killed["claimed_by"] != victim_run["claimed_by"]  # another replica finished it
    for doc in finished:
        mentees_of_run = Counter(p["mentee_id"] for p in doc["proposals"])
        assert doc["matched"] == 4 and len(doc["unmatched"]) == 2  # four mentors, six mentees
        assert all(n == 1 for n in mentees_of_run.values()), "a mentee proposed twice in one run"
        assert len(doc["proposals"]) == 4, doc  # each run's proposals are kept once (shown, then perhaps superseded)
    # Runs of one program work one at a time; the drafts are exactly the last one's (highest lease version).
    for first in range(0, len(runs), RUNS_PER_PROGRAM):
        group = [by_id[r] for r in runs[first : first + RUNS_PER_PROGRAM]]
        assert len({d["lease_version"] for d in group}) == RUNS_PER_PROGRAM
        last = max(group, key=lambda d: d["lease_version"])
        drafts = [p for d in group for p in d["proposals"] if p["status"] == "draft"]
        detail = [(d["id"][:8], d["lease_version"], d["attempts"], sorted(p["status"] for p in d["proposals"])) for d in group]
        assert {p["run_id"] for p in drafts} == {last["id"]} and len(drafts) == 4, (detail, victim_run["id"][:8])
    # Every announced proposal exists and is announced once.
    announced = Counter(e["data"]["proposal_id"] for e in proposed)
    known = {p["id"] for d in finished for p in d["proposals"]}
    assert set(announced) <= known and all(n == 1 for n in announced.values()), announced


async def test_health_answers_while_a_long_solve_runs(service_settings, auth, monkeypatch):
    """Solving runs off the event loop: /health answers at once while a (simulated) 2-second solve is under way."""
    import services.matching.problem as problem_module

    real_solve = problem_module.solve

    def slow_solve(problem):
        end = time.perf_counter() + 2.0
        while time.perf_counter() < end:  # pure-Python busy work holding its thread, as a big solve's Python parts do
            pass
        return real_solve(problem)

    monkeypatch.setattr(problem_module, "solve", slow_solve)
    app = create_app(MatchingSettings(**service_settings("matching")))
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = (await http.post("/programs", json={"district": D, "name": "Long"})).json()
        await http.post(f"/programs/{program['id']}/roster", content=roster(teacher("T1", "mentor", years=9)), headers=CSV)
        solving = asyncio.create_task(run(http, program["id"]))
        await eventually(lambda: _status(http, program["id"], "running"))
        started = time.perf_counter()
        assert (await http.get("/health")).status_code == 200
        assert time.perf_counter() - started < 0.5
        assert not solving.done()
        assert (await solving)["status"] == "done"


async def _status(http, program_id, status):
    runs = (await http.get(f"/programs/{program_id}/match-runs")).json()
    return runs and runs[-1]["status"] == status
