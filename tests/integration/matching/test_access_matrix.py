"""Every matching route × every kind of caller, against records of district D1 seeded through the API.

Asserts the designed status, that nothing of D1 reaches a caller outside it, and that a rejected write
changes nothing. ``ACCESS`` is the table (the route-coverage contract test checks it names every route).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import httpx
import pytest
from fastapi import FastAPI

from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from shared.auth.principal import Role
from shared.roster import participant_id
from tests.integration.matching.helpers import ZIP, oneroster
from tests.plugins.services import running

D1, D2 = "D1", "D2"
COORDINATOR = Role.DISTRICT_COORDINATOR

# T1 and S1 share math 6-8, T2 and S2 english 9-12: one run proposes exactly these two pairs;
# S3 (art) stays unmatched and T3 (science) free.
ROSTER = """external_id,name,email,role,school,subjects,grade_bands,years_experience,trained
T1,Ana Quill-{d},ana.{d}@example.org,mentor,Lincoln,math,6-8,12,yes
T2,Ben Quill-{d},ben.{d}@example.org,mentor,Lincoln,english,9-12,9,yes
T3,Flo Quill-{d},flo.{d}@example.org,mentor,Lincoln,science,3-5,10,yes
S1,Cleo Quill-{d},cleo.{d}@example.org,mentee,Adams,math,6-8,1,
S2,Dev Quill-{d},dev.{d}@example.org,mentee,Adams,english,9-12,0,
S3,Eve Quill-{d},eve.{d}@example.org,mentee,Adams,art,K-2,0,
"""
MORE_ROSTER = ROSTER.splitlines()[0] + "\nT9,Gus New,gus@example.org,mentor,Adams,art,K-2,3\n"
CSV = {"content-type": "text/csv"}

# Who calls: (role, district, roster external id of the teacher); None is no token at all.
CALLERS: Final[dict[str, tuple[Role, str | None, str | None] | None]] = {
    "anonymous": None,
    "state_admin": (Role.STATE_ADMIN, None, None),
    "coordinator_D1": (COORDINATOR, D1, None),
    "coordinator_D2": (COORDINATOR, D2, None),
    "mentor_in": (Role.MENTOR, D1, "T1"),  # the D1 relationship's mentor
    "mentee_in": (Role.MENTEE, D1, "S1"),  # ... and its mentee
    "mentor_out": (Role.MENTOR, D1, "T2"),  # D1 teachers in no relationship (only in the draft proposal)
    "mentee_out": (Role.MENTEE, D1, "S2"),
    "teacher_D2": (Role.MENTEE, D2, "S1"),  # the mentee of D2's relationship
}
OUTSIDERS: Final = {"anonymous", "coordinator_D2", "mentor_out", "mentee_out", "teacher_D2"}

# fmt: off
ROUTES: Final[dict[tuple[str, str], tuple[int, ...]]] = {
    #                                                   anon admin  C-D1  C-D2  m-in  e-in  m-out e-out T-D2
    ("POST", "/programs"):                              (401, 403,  201,  403,  403,  403,  403,  403,  403),
    ("GET", "/programs"):                               (401, 200,  200,  403,  403,  403,  403,  403,  403),
    ("GET", "/programs/{program_id}"):                  (401, 200,  200,  404,  403,  403,  403,  403,  403),
    ("POST", "/programs/{program_id}/roster"):          (401, 403,  200,  404,  403,  403,  403,  403,  403),
    ("POST", "/programs/{program_id}/oneroster"):       (401, 403,  200,  404,  403,  403,  403,  403,  403),
    ("POST", "/programs/{program_id}/participants/{participant_id}/status"):
                                                        (401, 403,  200,  404,  403,  403,  403,  403,  403),
    ("GET", "/programs/{program_id}/participants"):     (401, 200,  200,  404,  403,  403,  403,  403,  403),
    ("GET", "/programs/{program_id}/participants.csv"): (401, 200,  200,  404,  403,  403,  403,  403,  403),
    ("POST", "/programs/{program_id}/match-runs"):      (401, 403,  202,  404,  403,  403,  403,  403,  403),
    ("GET", "/programs/{program_id}/proposals"):        (401, 200,  200,  404,  403,  403,  403,  403,  403),
    ("POST", "/proposals/{proposal_id}/approve"):       (401, 403,  200,  404,  403,  403,  403,  403,  403),
    ("POST", "/proposals/{proposal_id}/reject"):        (401, 403,  200,  404,  403,  403,  403,  403,  403),
    ("GET", "/programs/{program_id}/relationships"):    (401, 200,  200,  404,  403,  403,  403,  403,  403),
    ("GET", "/relationships/{relationship_id}"):        (401, 200,  200,  404,  200,  200,  404,  404,  404),
    ("POST", "/relationships/{relationship_id}/end"):   (401, 403,  200,  404,  403,  403,  403,  403,  403),
    ("GET", "/me/relationships"):                       (401, 403,  403,  403,  200,  200,  200,  200,  200),
    ("GET", "/audit"):                                  (401, 200,  403,  403,  403,  403,  403,  403,  403),
    ("PUT", "/programs/{program_id}/rules"):            (401, 403,  200,  404,  403,  403,  403,  403,  403),
    ("PUT", "/programs/{program_id}/settings"):         (401, 403,  200,  404,  403,  403,  403,  403,  403),
    ("GET", "/programs/{program_id}/match-runs"):       (401, 200,  200,  404,  403,  403,  403,  403,  403),
    ("GET", "/match-runs/{run_id}"):                    (401, 200,  200,  404,  403,  403,  403,  403,  403),
    ("POST", "/proposals/{proposal_id}/reassign"):      (401, 403,  200,  404,  403,  403,  403,  403,  403),
    ("POST", "/programs/{program_id}/proposals"):       (401, 403,  201,  404,  403,  403,  403,  403,  403),
    ("GET", "/me/programs"):                            (401, 403,  403,  403,  200,  200,  200,  200,  200),
    # the seeded program is coordinator-led: its teachers get past access and meet the 409 of the wrong mode
    ("GET", "/me/programs/{program_id}/suggestions"):   (401, 403,  403,  403,  409,  409,  409,  409,  404),
    ("POST", "/me/programs/{program_id}/requests"):     (401, 403,  403,  403,  409,  409,  409,  409,  404),
    ("GET", "/me/requests"):                            (401, 403,  403,  403,  200,  200,  200,  200,  200),
    # a run's draft is not a teacher's request: every teacher gets the 404 of an unknown one
    ("POST", "/requests/{proposal_id}/accept"):         (401, 403,  403,  403,  404,  404,  404,  404,  404),
    ("POST", "/requests/{proposal_id}/decline"):        (401, 403,  403,  403,  404,  404,  404,  404,  404),
    ("POST", "/requests/{proposal_id}/withdraw"):       (401, 403,  403,  403,  404,  404,  404,  404,  404),
}
# fmt: on
ACCESS: Final[list[tuple[str, str, str, int]]] = [
    (method, path, caller, status)
    for (method, path), statuses in ROUTES.items()
    for caller, status in zip(CALLERS, statuses, strict=True)
]

# What the request sends besides the path: query, JSON body or CSV body.
REQUEST: Final[dict[tuple[str, str], dict[str, Any]]] = {
    ("POST", "/programs"): {"json": {"district": D1, "name": "Another program"}},
    ("GET", "/programs"): {"params": {"district": D1}},
    ("POST", "/programs/{program_id}/roster"): {"content": MORE_ROSTER, "headers": CSV},
    ("POST", "/relationships/{relationship_id}/end"): {"json": {"reason": "completed"}},
    ("POST", "/programs/{program_id}/oneroster"): {
        "content": oneroster(
            "u9,active,true,Gus,New,T9,gus@example.org,07,,mentor,art,3,yes", roles="r9,,u9,primary,teacher,lin\n"
        ),
        "headers": ZIP,
    },
    ("POST", "/programs/{program_id}/participants/{participant_id}/status"): {"json": {"status": "teaching", "term": "2027-28"}},
    ("PUT", "/programs/{program_id}/rules"): {"json": {"hard": {"min_experience_gap": 5}}},
    ("PUT", "/programs/{program_id}/settings"): {"json": {"induction_days": 45}},
    ("POST", "/proposals/{proposal_id}/reassign"): {"json": {"mentor_id": participant_id(D1, "T2")}},
    ("POST", "/programs/{program_id}/proposals"): {
        "json": {
            "mentee_id": participant_id(D1, "S3"),
            "mentor_id": participant_id(D1, "T3"),
            "override": ["subject_match", "grade_band_overlap"],
        }
    },
    ("POST", "/me/programs/{program_id}/requests"): {"json": {"mentor_id": participant_id(D1, "T2")}},
}
# Teachers of the program who are in no relationship yet still see the program they take part in.
MEMBER_ROUTES: Final = {("GET", "/me/programs")}
# A successful read must show the D1 record: this value of the seeded world appears in the body.
EVIDENCE: Final[dict[tuple[str, str], str]] = {
    ("GET", "/programs/{program_id}/participants.csv"): "mentor_name",
    ("GET", "/relationships/{relationship_id}"): "relationship_id",
    ("GET", "/me/relationships"): "relationship_id",
    ("GET", "/match-runs/{run_id}"): "run_id",
    ("GET", "/me/requests"): "no_evidence",  # the seeded world has no self-directed requests
}
STORED: Final = ("programs", "participants", "match_runs", "proposals", "relationships", "audit")

Auth = Callable[..., dict[str, str]]


def headers_of(auth: Auth, label: str) -> dict[str, str]:
    who = CALLERS[label]
    if who is None:
        return {}
    role, district, external_id = who
    subject = participant_id(district, external_id) if district and external_id else None
    return auth(role, district, subject)


async def seed(http: httpx.AsyncClient, auth: Auth, district: str) -> dict[str, str]:
    """A program with four teachers, one approved pair (the relationship) and one draft proposal."""
    as_coordinator = auth(COORDINATOR, district)
    program = (await http.post("/programs", json={"district": district, "name": "Induction"}, headers=as_coordinator)).json()
    roster = ROSTER.format(d=district)
    imported = await http.post(f"/programs/{program['id']}/roster", content=roster, headers={**CSV, **as_coordinator})
    assert imported.json()["accepted"] == 6, imported.text
    run = (await http.post(f"/programs/{program['id']}/match-runs?wait=30", headers=as_coordinator)).json()
    by_mentee = {p["mentee_id"]: p for p in run["proposals"]}
    approved = by_mentee[participant_id(district, "S1")]
    relationship = (await http.post(f"/proposals/{approved['id']}/approve", headers=as_coordinator)).json()
    return {
        "program_id": program["id"],
        "proposal_id": by_mentee[participant_id(district, "S2")]["id"],
        "relationship_id": relationship["id"],
        "run_id": run["id"],
        "participant_id": participant_id(district, "S2"),
        "no_evidence": "",
        "mentor_name": f"Ana Quill-{district}",
    }


async def secrets_of(app: FastAPI, district: str) -> set[str]:
    """Every id and name of the district's records: none may reach a caller outside it."""
    db = app.state.runtime.db
    found: set[str] = set()
    for name in ("programs", "match_runs", "proposals", "relationships"):
        found |= {doc["_id"] for doc in await db[name].find({"district": district}).to_list()}
    for doc in await db["participants"].find({"district": district}).to_list():
        found |= {doc["participant_id"], doc["name"]}
    return found


async def snapshot(app: FastAPI) -> dict[str, Any]:
    db = app.state.runtime.db
    stored = {name: await db[name].find({}).sort("_id", 1).to_list() for name in STORED}
    stored["outbox"] = sorted(doc["_id"] for doc in await db["outbox"].find({}, {"_id": 1}).to_list())
    return stored


@pytest.mark.parametrize("route", list(ROUTES), ids=" ".join)
async def test_every_caller_gets_the_designed_status(route, service_settings, auth):
    method, template = route
    app = create_app(MatchingSettings(**service_settings("matching")))
    async with running(app) as http:
        d1 = await seed(http, auth, D1)
        await seed(http, auth, D2)
        secrets = await secrets_of(app, D1)
        assert len(secrets) > 10
        path = template.format(**d1)
        named = {value for value in d1.values() if value in path}
        rows = [(caller, status) for m, p, caller, status in ACCESS if (m, p) == route]
        rows.sort(key=lambda row: row[1] < 400)  # refusals first: the one allowed write then meets the seeded record
        problems = []
        for caller, expected in rows:
            before = await snapshot(app) if method != "GET" else None
            response = await http.request(method, path, **_with_headers(REQUEST.get(route, {}), headers_of(auth, caller)))
            if response.status_code != expected:
                problems.append(f"{caller}: expected {expected}, got {response.status_code} {response.text[:200]}")
                continue
            if caller in OUTSIDERS or expected >= 400:
                member = route in MEMBER_ROUTES and caller in ("mentor_out", "mentee_out")
                visible = named | ({d1["program_id"]} if member else set())
                leaked = {s for s in secrets - visible if s in response.text}
                if leaked:
                    problems.append(f"{caller}: D1 data in a response outside D1: {sorted(leaked)}")
            if before is not None and expected >= 400 and await snapshot(app) != before:
                problems.append(f"{caller}: a refused {method} changed stored data")
            evidence = d1[EVIDENCE.get(route, "program_id")]
            if method == "GET" and expected == 200 and caller not in OUTSIDERS and evidence not in response.text:
                problems.append(f"{caller}: the D1 record is missing from the answer")
    assert not problems, f"{method} {template}:\n" + "\n".join(problems)


def _with_headers(request: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    return {**request, "headers": {**request.get("headers", {}), **headers}}


async def test_another_districts_record_answers_like_a_missing_one(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    async with running(app) as http:
        d1 = await seed(http, auth, D1)
        d2 = await seed(http, auth, D2)
        for template in ("/programs/{program_id}", "/relationships/{relationship_id}"):
            other = await http.get(template.format(**d1), headers=auth(COORDINATOR, D2))
            missing = await http.get(template.format(**{k: "nope" for k in d1}), headers=auth(COORDINATOR, D2))
            assert other.status_code == missing.status_code == 404
            assert other.json()["detail"].replace(d1[template[template.index("{") + 1 : -1]], "nope") == missing.json()["detail"]

        # A teacher sees their own relationships only, in their own district.
        mine = (await http.get("/me/relationships", headers=headers_of(auth, "teacher_D2"))).json()
        assert [r["id"] for r in mine] == [d2["relationship_id"]]
        # A D2 coordinator listing by their own district gets D2's programs only.
        listed = (await http.get("/programs", params={"district": D2}, headers=auth(COORDINATOR, D2))).json()
        assert [p["id"] for p in listed] == [d2["program_id"]]
