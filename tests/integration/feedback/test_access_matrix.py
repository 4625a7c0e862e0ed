"""Every feedback route × every kind of caller, against records of district D1 (D2 is the other district).

The records are seeded the real way: matching's ``RelationshipStarted`` and ``ParticipantEnrolled`` events published
on JetStream. The D1 survey is the mentor's survey of relationship R1 (its mentee takes part in the relationship but
the survey is not theirs); R1 also has a goal set by its mentor; program PC of D1 (five enrolled teachers, none of
them the callers) gets the anonymous campaign. One module-wide service instance serves every case, in row order;
refused writes must leave everything unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
import nats
import pytest
import pytest_asyncio

from services.feedback.app import create_app
from services.feedback.settings import FeedbackSettings
from shared.auth.principal import Role
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import ParticipantEnrolled, RelationshipStarted
from shared.contracts.matching import Role as ParticipantRole
from shared.roster import participant_id
from shared.storage.mongo import Document
from tests.plugins.services import eventually, running

pytestmark = pytest.mark.asyncio(loop_scope="module")

D1, D2 = "D1", "D2"
MENTOR_IN, MENTEE_IN = participant_id(D1, "T-in"), participant_id(D1, "S-in")
MENTOR_OUT, MENTEE_OUT = participant_id(D1, "T-out"), participant_id(D1, "S-out")
TEACHER_D2, PARTNER_D2 = participant_id(D2, "T-d2"), participant_id(D2, "S-d2")
COMMENT = "private words about my mentor"

# label -> (role, district, subject); None sends no token
CALLERS: dict[str, tuple[Role, str | None, str | None] | None] = {
    "anonymous": None,
    "state_admin": (Role.STATE_ADMIN, None, None),
    "coordinator_D1": (Role.DISTRICT_COORDINATOR, D1, None),
    "coordinator_D2": (Role.DISTRICT_COORDINATOR, D2, None),
    "mentor_in": (Role.MENTOR, D1, MENTOR_IN),  # the respondent of the D1 survey
    "mentee_in": (Role.MENTEE, D1, MENTEE_IN),  # in the relationship, not the survey's respondent
    "mentor_out": (Role.MENTOR, D1, MENTOR_OUT),
    "mentee_out": (Role.MENTEE, D1, MENTEE_OUT),
    "teacher_D2": (Role.MENTOR, D2, TEACHER_D2),
}


def _row(method: str, path: str, *statuses: int) -> list[tuple[str, str, str, int]]:
    return [(method, path, caller, status) for caller, status in zip(CALLERS, statuses, strict=True)]


# fmt: off
ACCESS: list[tuple[str, str, str, int]] = [
    #                                                                  anon admin C-D1 C-D2 m-in e-in m-out e-out T-D2
    *_row("GET", "/survey-templates",                                  401, 200,  200, 200, 200, 200, 200,  200,  200),
    *_row("GET", "/surveys",                                           401, 200,  200, 200, 200, 200, 200,  200,  200),
    *_row("GET", "/surveys/{survey_id}",                               401, 200,  200, 404, 200, 404, 404,  404,  404),
    *_row("POST", "/surveys/{survey_id}/responses",                    401, 403,  403, 403, 201, 404, 404,  404,  404),
    *_row("POST", "/programs/{program_id}/anonymous-surveys",          401, 403,  201, 404, 403, 403, 403,  403,  403),
    *_row("GET", "/programs/{program_id}/anonymous-surveys",           401, 200,  200, 404, 403, 403, 403,  403,  403),
    *_row("GET", "/programs/{program_id}/survey-results",              401, 200,  200, 404, 403, 403, 403,  403,  403),
    *_row("GET", "/relationships/{relationship_id}/goals",             401, 403,  200, 404, 200, 200, 404,  404,  404),
    *_row("POST", "/relationships/{relationship_id}/goals",            401, 403,  403, 403, 201, 201, 404,  404,  404),
    *_row("POST", "/relationships/{relationship_id}/goals/{goal_id}/progress",
                                                                       401, 403,  403, 403, 201, 201, 404,  404,  404),
    *_row("GET", "/relationships/{relationship_id}/reflections",       401, 403,  403, 403, 200, 200, 404,  404,  404),
    *_row("POST", "/relationships/{relationship_id}/reflections",      401, 403,  403, 403, 201, 201, 404,  404,  404),
    # the D1 coordinator closes R1 first; its partners then find it closed already (409), nobody else reaches it
    *_row("POST", "/relationships/{relationship_id}/closure",          401, 403,  201, 404, 409, 409, 404,  404,  404),
    *_row("GET", "/audit",                                             401, 200,  403, 403, 403, 403, 403,  403,  403),
    *_row("GET", "/health",                                            200, 200,  200, 200, 200, 200, 200,  200,  200),
    *_row("GET", "/metrics",                                           200, 200,  200, 200, 200, 200, 200,  200,  200),
]
# fmt: on
PAIRS = {"R1": (D1, MENTOR_IN, MENTEE_IN), "Rout": (D1, MENTOR_OUT, MENTEE_OUT), "Rd2": (D2, TEACHER_D2, PARTNER_D2)}
PROGRAMS = {D1: "P1", D2: "P2"}
CAMPAIGN_PROGRAM = "PC"  # of D1: five teachers who are none of the callers
WRITES = ("goals", "goal_progress", "reflections", "closures", "campaigns", "responded", "anonymous_inbox")


@dataclass
class World:
    app: Any
    http: httpx.AsyncClient
    headers: dict[str, dict[str, str]]
    surveys: dict[str, list[Document]]  # relationship id -> its surveys (mentor's first)
    goal_id: str

    @property
    def target(self) -> Document:
        """The D1 record every case acts on: the R1 mentor's survey."""
        return next(s for s in self.surveys["R1"] if s["respondent_id"] == MENTOR_IN)

    def survey_of(self, respondent_id: str) -> Document:
        return next(s for ss in self.surveys.values() for s in ss if s["respondent_id"] == respondent_id)

    def d1_ids(self) -> set[str]:
        """Every id of district D1 a D2 caller must never be shown."""
        surveys = [s for ss in self.surveys.values() for s in ss if s["district"] == D1]
        return {s["_id"] for s in surveys} | {s["relationship_id"] for s in surveys} | {s["respondent_id"] for s in surveys}

    async def snapshot(self, survey_id: str) -> tuple[Document | None, list[Document]]:
        repo = self.app.state.feedback.repo
        return await repo.survey(survey_id), await repo.responses.find({"survey_id": survey_id}).to_list()

    async def writes(self) -> dict[str, int]:
        """How many documents each collection a write route touches holds."""
        db = self.app.state.runtime.db
        return {name: await db[name].count_documents({}) for name in WRITES}

    async def audited(self, target: str) -> list[Document]:
        return await self.app.state.runtime.audit.collection.find({"target": target}, {"_id": 0}).to_list()  # type: ignore[no-any-return]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(module_nats_server, mongo_url, dev_keys, auth) -> AsyncIterator[World]:
    """One service for the whole module, on the module's nats-server (the same permissions as every test's)."""
    server = module_nats_server
    settings = FeedbackSettings(
        nats_url=server.urls["feedback"],
        mongodb_url=mongo_url,
        database=f"t{uuid.uuid4().hex[:8]}_feedback_matrix",
        outbox_relay_seconds=0.5,
        auth_public_key_file=dev_keys[1],
    )
    app = create_app(settings)
    headers = {label: auth(*spec) if spec else {} for label, spec in CALLERS.items()}
    async with running(app) as http:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        for rid, (district, mentor, mentee) in PAIRS.items():
            started = datetime.now(UTC)
            data = RelationshipStarted(
                program_id=PROGRAMS[district], relationship_id=rid, mentor_id=mentor, mentee_id=mentee, started_at=started
            )
            env = make_event(data, district, rid, derived_id("test.started", rid))
            await js.publish(env.nats_subject, env.model_dump_json().encode(), headers={"Nats-Msg-Id": env.id})
        for i in range(5):
            pid = participant_id(D1, f"campaign-{i}")
            enrolled = ParticipantEnrolled(
                program_id=CAMPAIGN_PROGRAM, participant_id=pid, role=ParticipantRole.MENTEE, enrolled_at=datetime.now(UTC)
            )
            joined = make_event(enrolled, D1, pid, derived_id("test.enrolled", pid))
            await js.publish(joined.nats_subject, joined.model_dump_json().encode(), headers={"Nats-Msg-Id": joined.id})
        await nc.close()
        repo = app.state.feedback.repo
        surveys = {}
        for rid, (district, _, _) in PAIRS.items():
            surveys[rid] = await eventually(partial(_two, repo, rid, district))
        await eventually(partial(_count, repo.people, CAMPAIGN_PROGRAM, 5))
        goal = {"what": "seeded goal", "measure": "seen", "target_date": "2030-01-01"}
        seeded = await http.post("/relationships/R1/goals", json=goal, headers=headers["mentor_in"])
        assert seeded.status_code == 201, seeded.text
        yield World(app, http, headers, surveys, seeded.json()["id"])


async def _count(collection: Any, program_id: str, count: int) -> bool:
    return await collection.count_documents({"program_id": program_id}) == count  # type: ignore[no-any-return]


async def _two(repo: Any, rid: str, district: str) -> list[Document] | None:
    found = await repo.find_surveys(None, rid, district)
    return sorted(found, key=lambda s: s["role"] != "mentor") if len(found) == 2 else None


BODIES: dict[str, dict[str, Any]] = {
    "/surveys/{survey_id}/responses": {"answers": {"overall": 4, "comment": COMMENT}},
    "/programs/{program_id}/anonymous-surveys": {"open_days": 7},
    "/relationships/{relationship_id}/goals": {"what": "exit tickets", "measure": "daily", "target_date": "2030-06-01"},
    "/relationships/{relationship_id}/goals/{goal_id}/progress": {"percent": 50, "note": COMMENT},
    "/relationships/{relationship_id}/reflections": {"goal": "g", "reality": COMMENT, "options": "o", "way_forward": "w"},
    "/relationships/{relationship_id}/closure": {"reason": "early_mismatch"},
}


def _request(world: World, method: str, path: str) -> dict[str, Any]:
    """The request's URL, query and body."""
    program = CAMPAIGN_PROGRAM if "anonymous-surveys" in path else "P1"
    url = path.format(survey_id=world.target["_id"], program_id=program, relationship_id="R1", goal_id=world.goal_id)
    kwargs: dict[str, Any] = {"url": url}
    if path == "/surveys":
        kwargs["params"] = {"relationship_id": "R1"}
    elif method == "POST":
        kwargs["json"] = BODIES[path]
    return kwargs


@pytest.mark.parametrize(("method", "path", "caller", "expected"), ACCESS)
async def test_every_route_answers_each_caller_as_designed(
    world: World, method: str, path: str, caller: str, expected: int
) -> None:
    target = world.target
    before, writes = await world.snapshot(target["_id"]), await world.writes()
    response = await world.http.request(method, headers=world.headers[caller], **_request(world, method, path))
    assert response.status_code == expected, response.text

    who = CALLERS[caller]
    if response.is_success and who and who[1] == D2:
        assert not [i for i in world.d1_ids() if i in response.text], "a D2 caller was shown D1 data"
    if method == "GET":
        assert COMMENT not in response.text and '"rating"' not in response.text, "a read returned an answer"
    if path == "/surveys" and response.is_success:
        visible = {
            "state_admin": world.surveys["R1"],
            "coordinator_D1": world.surveys["R1"],
            "mentor_in": [world.target],
            "mentee_in": [world.survey_of(MENTEE_IN)],
        }.get(caller, [])
        assert sorted(s["id"] for s in response.json()) == sorted(s["_id"] for s in visible)
    if method == "POST" and not response.is_success:
        assert await world.snapshot(target["_id"]) == before, "a refused write changed the survey"
        assert await world.writes() == writes, "a refused write changed something"
    if path.endswith("/responses") and method == "POST":
        survey, responses = await world.snapshot(target["_id"])
        entries = await world.audited(target["_id"])
        if response.is_success:
            assert response.json()["answers"]["comment"] == COMMENT  # the author's own answer, to the author only
            assert survey is not None and survey["status"] == "answered" and len(responses) == 1
            assert [(e["action"], e["subject"], e["district"], e["detail"]) for e in entries] == [
                ("survey.answered", MENTOR_IN, D1, {})
            ]
            assert COMMENT not in str(entries)
        else:
            assert [e["subject"] for e in entries] in ([], [MENTOR_IN]), "a refused answer was audited"


async def test_a_teacher_naming_another_respondent_is_refused(world: World) -> None:
    partner = await world.http.get("/surveys", params={"respondent_id": MENTEE_IN}, headers=world.headers["mentor_in"])
    assert partner.status_code == 403
    outsider = await world.http.get("/surveys", params={"respondent_id": MENTOR_IN}, headers=world.headers["teacher_D2"])
    assert outsider.status_code == 403
    mine = await world.http.get("/surveys", headers=world.headers["mentee_out"])
    assert [s["id"] for s in mine.json()] == [world.survey_of(MENTEE_OUT)["_id"]]


async def test_coordinators_lists_are_their_district_only(world: World) -> None:
    d2 = world.headers["coordinator_D2"]
    assert (await world.http.get("/surveys", params={"respondent_id": MENTOR_IN}, headers=d2)).json() == []
    own = (await world.http.get("/surveys", params={"relationship_id": "Rd2"}, headers=d2)).json()
    assert sorted(s["id"] for s in own) == sorted(s["_id"] for s in world.surveys["Rd2"])
    assert (await world.http.get("/surveys", headers=world.headers["state_admin"])).status_code == 422


async def test_the_respondent_answers_and_nobody_reads_the_answer_back(world: World) -> None:
    survey = world.survey_of(MENTEE_OUT)
    url = f"/surveys/{survey['_id']}/responses"
    answer = {"answers": {"overall": 2, "comment": "a secret only for the survey"}}
    assert (await world.http.post(url, json=answer, headers=world.headers["mentor_out"])).status_code == 404
    assert (await world.http.post(url, json=answer, headers=world.headers["mentee_out"])).status_code == 201
    assert (await world.http.post(url, json=answer, headers=world.headers["mentee_out"])).status_code == 409
    for caller in ("state_admin", "coordinator_D1", "mentee_out"):
        for read in (f"/surveys/{survey['_id']}", "/audit"):
            text = (await world.http.get(read, headers=world.headers[caller])).text
            assert "a secret" not in text and '"rating"' not in text
        listed = await world.http.get("/surveys", params={"relationship_id": "Rout"}, headers=world.headers[caller])
        assert "a secret" not in listed.text and '"rating"' not in listed.text and listed.status_code == 200
    log = (await world.http.get("/audit", params={"action": "survey.answered"}, headers=world.headers["state_admin"])).json()
    assert [(e["subject"], e["district"], e["detail"]) for e in log if e["target"] == survey["_id"]] == [(MENTEE_OUT, D1, {})]


async def test_a_survey_out_of_reach_answers_like_a_missing_one(world: World) -> None:
    survey_id = world.target["_id"]
    for caller in ("coordinator_D2", "mentee_in", "teacher_D2"):
        hidden = await world.http.get(f"/surveys/{survey_id}", headers=world.headers[caller])
        missing = await world.http.get("/surveys/no-such-survey", headers=world.headers[caller])
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["detail"].replace(survey_id, "no-such-survey") == missing.json()["detail"]
