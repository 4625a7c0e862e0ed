"""Every scheduling route × every kind of caller, against a meeting of district D1 (D2 is the other district).

The meetings are seeded the real way: matching's ``ProgramCreated`` and ``RelationshipStarted`` events published on
JetStream. One module-wide service instance serves every case; each meeting write that must succeed gets a meeting of
its own, so the cases do not depend on their order. The calendar feed is the one route a token does not open: its
URL's secret does, so every caller holding a live secret gets it (and nobody without one, see test_calendar_feed.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import nats
import pytest
import pytest_asyncio

from services.scheduling.app import create_app
from services.scheduling.settings import SchedulingSettings
from shared.auth.principal import Role
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import ProgramCreated, ProgramModel, RelationshipStarted
from shared.roster import participant_id
from shared.storage.mongo import Document
from tests.plugins.services import eventually, running

from .conftest import FakeClock, use_clock

pytestmark = pytest.mark.asyncio(loop_scope="module")

D1, D2 = "D1", "D2"
MENTOR_IN, MENTEE_IN = participant_id(D1, "T-in"), participant_id(D1, "S-in")
MENTOR_OUT, MENTEE_OUT = participant_id(D1, "T-out"), participant_id(D1, "S-out")
TEACHER_D2, PARTNER_D2 = participant_id(D2, "T-d2"), participant_id(D2, "S-d2")

# label -> (role, district, subject); None sends no token
CALLERS: dict[str, tuple[Role, str | None, str | None] | None] = {
    "anonymous": None,
    "state_admin": (Role.STATE_ADMIN, None, None),
    "coordinator_D1": (Role.DISTRICT_COORDINATOR, D1, None),
    "coordinator_D2": (Role.DISTRICT_COORDINATOR, D2, None),
    "mentor_in": (Role.MENTOR, D1, MENTOR_IN),
    "mentee_in": (Role.MENTEE, D1, MENTEE_IN),
    "mentor_out": (Role.MENTOR, D1, MENTOR_OUT),
    "mentee_out": (Role.MENTEE, D1, MENTEE_OUT),
    "teacher_D2": (Role.MENTOR, D2, TEACHER_D2),
}


def _row(method: str, path: str, *statuses: int) -> list[tuple[str, str, str, int]]:
    return [(method, path, caller, status) for caller, status in zip(CALLERS, statuses, strict=True)]


# fmt: off
ACCESS: list[tuple[str, str, str, int]] = [
    #                                                          anon admin C-D1 C-D2 m-in e-in m-out e-out T-D2
    *_row("GET", "/meetings",                                  401, 200,  200, 200, 200, 200, 200,  200,  200),
    *_row("GET", "/meetings/{meeting_id}",                     401, 200,  200, 404, 200, 200, 404,  404,  404),
    *_row("POST", "/meetings/{meeting_id}/complete",           401, 403,  200, 404, 200, 200, 404,  404,  404),
    *_row("POST", "/meetings/{meeting_id}/missed",             401, 403,  200, 404, 200, 200, 404,  404,  404),
    *_row("POST", "/meetings/{meeting_id}/reschedule",         401, 403,  200, 404, 200, 200, 404,  404,  404),
    *_row("POST", "/meetings/{meeting_id}/cancel",             401, 403,  200, 404, 200, 200, 404,  404,  404),
    *_row("GET", "/programs/{program_id}/cadence",             401, 200,  200, 404, 403, 403, 403,  403,  403),
    *_row("PUT", "/programs/{program_id}/cadence",             401, 403,  200, 404, 403, 403, 403,  403,  403),
    *_row("GET", "/districts/{district}/calendar",             401, 200,  200, 403, 403, 403, 403,  403,  403),
    *_row("PUT", "/districts/{district}/calendar",             401, 403,  200, 403, 403, 403, 403,  403,  403),
    *_row("POST", "/districts/{district}/availability",        401, 403,  200, 403, 403, 403, 403,  403,  403),
    *_row("GET", "/participants/{participant_id}/availability", 401, 200, 200, 404, 403, 200, 403,  403,  403),
    *_row("PUT", "/participants/{participant_id}/availability", 401, 403, 200, 404, 403, 200, 403,  403,  403),
    *_row("POST", "/me/calendar-feed",                         401, 403,  403, 403, 200, 200, 200,  200,  200),
    *_row("GET", "/calendar/{secret}.ics",                     200, 200,  200, 200, 200, 200, 200,  200,  200),
    *_row("GET", "/audit",                                     401, 200,  403, 403, 403, 403, 403,  403,  403),
    *_row("GET", "/health",                                    200, 200,  200, 200, 200, 200, 200,  200,  200),
    *_row("GET", "/metrics",                                   200, 200,  200, 200, 200, 200, 200,  200,  200),
]
# fmt: on
# Who may see the meetings of relationship R1 (MENTOR_IN with MENTEE_IN, district D1).
SEES_R1 = {"state_admin", "coordinator_D1", "mentor_in", "mentee_in"}
MEETING_WRITES = {(m, p, c) for m, p, c, status in ACCESS if p.startswith("/meetings/") and m == "POST" and status == 200}
FEED = "/calendar/{secret}.ics"
ACTIONS = {
    "complete": "meeting.completed",
    "missed": "meeting.missed",
    "reschedule": "meeting.rescheduled",
    "cancel": "meeting.cancelled",
}
CSV = (
    "external_id,name,email,role,school,subjects,grade_bands,years_experience,availability\n"
    "S-in,A B,a@b.org,mentee,L,math,6-8,1,mon 15:00-17:00\n"
)
PLANNED = 8  # meetings per relationship: the default cadence's first four weeks


@dataclass
class World:
    app: Any
    http: httpx.AsyncClient
    headers: dict[str, dict[str, str]]
    relationships: dict[str, list[Document]]  # relationship id -> its meetings, earliest first
    own_meeting: dict[tuple[str, str, str], Document]  # a fresh meeting for each write that must succeed

    @property
    def r1(self) -> list[Document]:
        return self.relationships["R1"]

    def d1_ids(self) -> set[str]:
        """Every id of district D1 a D2 caller must never be shown."""
        meetings = [m for ms in self.relationships.values() for m in ms if m["district"] == D1]
        return {m["_id"] for m in meetings} | {m["relationship_id"] for m in meetings} | {MENTOR_IN, MENTEE_IN}

    async def stored(self, meeting_id: str) -> Document | None:
        return await self.app.state.scheduling.repo.meeting(meeting_id)  # type: ignore[no-any-return]

    async def audited(self, target: str) -> list[Document]:
        return await self.app.state.runtime.audit.collection.find({"target": target}, {"_id": 0}).to_list()  # type: ignore[no-any-return]

    async def feed_secret(self) -> str:
        """A live feed secret (MENTEE_IN's, made just now)."""
        made = await self.http.post("/me/calendar-feed", headers=self.headers["mentee_in"])
        return str(made.json()["url"]).rsplit("/", 1)[1].removesuffix(".ics")


PAIRS = {
    "R1": (D1, MENTOR_IN, MENTEE_IN),
    "R2": (D1, MENTOR_IN, MENTEE_IN),  # the same pair again: meetings for the writes that succeed
    "R3": (D1, MENTOR_IN, MENTEE_IN),
    "Rout": (D1, MENTOR_OUT, MENTEE_OUT),
    "Rd2": (D2, TEACHER_D2, PARTNER_D2),
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(module_nats_server, mongo_url, dev_keys, auth) -> AsyncIterator[World]:
    """One service for the whole module, on the module's nats-server (the same permissions as every test's)."""
    server = module_nats_server
    settings = SchedulingSettings(
        nats_url=server.urls["scheduling"],
        mongodb_url=mongo_url,
        database=f"t{uuid.uuid4().hex[:8]}_scheduling_matrix",
        outbox_relay_seconds=0.5,
        auth_public_key_file=dev_keys[1],
    )
    app = create_app(settings)
    use_clock(app, FakeClock())
    headers = {label: auth(*spec) if spec else {} for label, spec in CALLERS.items()}
    async with running(app) as http:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        for district in (D1, D2):
            created = make_event(
                ProgramCreated(program_id=f"P{district}", model=ProgramModel.ONE_TO_ONE), district, f"P{district}"
            )
            await js.publish(created.nats_subject, created.model_dump_json().encode(), headers={"Nats-Msg-Id": created.id})
        for rid, (district, mentor, mentee) in PAIRS.items():
            started = datetime(2025, 3, 4, 9, tzinfo=UTC)
            data = RelationshipStarted(
                program_id=f"P{district}", relationship_id=rid, mentor_id=mentor, mentee_id=mentee, started_at=started
            )
            env = make_event(data, district, rid, derived_id("test.started", rid))
            await js.publish(env.nats_subject, env.model_dump_json().encode(), headers={"Nats-Msg-Id": env.id})
        await nc.close()
        repo = app.state.scheduling.repo
        relationships = {}
        for rid, (district, _, _) in PAIRS.items():
            relationships[rid] = await eventually(lambda r=rid, d=district: _planned(repo, r, d))
        await eventually(lambda: app.state.scheduling.store.program(f"P{D1}"))
        windows = {"windows": [{"weekday": "tue", "start": "15:00", "end": "17:00"}]}
        coordinator = headers["coordinator_D1"]
        assert (await http.put(f"/participants/{MENTEE_IN}/availability", json=windows, headers=coordinator)).is_success
        pool = relationships["R2"] + relationships["R3"]
        own = {key: pool[i] for i, key in enumerate(sorted(MEETING_WRITES))}
        yield World(app, http, headers, relationships, own)


async def _planned(repo: Any, rid: str, district: str) -> list[Document] | None:
    found = await repo.find(rid, None, district)
    return found if len(found) == PLANNED else None


BODIES: dict[str, dict[str, Any]] = {
    "/complete": {"json": {"duration_minutes": 45}},
    "/missed": {"json": {"absent_ids": [MENTEE_IN]}},
    "/reschedule": {"json": {"starts_at": "2025-03-20T17:00:00+00:00", "reason": "clash"}},
    "/cancel": {"json": {"reason": "ill"}},
    "/cadence": {"json": {"horizon_weeks": 3}},
    "/calendar": {"json": {"time_zone": "America/Chicago"}},
    "/availability": {"json": {"windows": [{"weekday": "tue", "start": "15:00", "end": "17:00"}]}},
}


async def _request(world: World, method: str, path: str, caller: str) -> tuple[Document, dict[str, Any]]:
    """The meeting a case acts on, and the request's URL, query and body."""
    meeting = world.own_meeting.get((method, path, caller), world.r1[0])
    values = {"meeting_id": meeting["_id"], "program_id": f"P{D1}", "district": D1, "participant_id": MENTEE_IN}
    if path == FEED:
        values["secret"] = await world.feed_secret()
    kwargs: dict[str, Any] = {"url": path.format(**values)}
    if path == "/meetings":
        kwargs["params"] = {"relationship_id": "R1"}
    elif path == "/districts/{district}/availability":
        kwargs.update(content=CSV, headers={"content-type": "text/csv"})
    elif method != "GET":
        kwargs.update(next((body for end, body in BODIES.items() if path.endswith(end)), {}))
    return meeting, kwargs


@pytest.mark.parametrize(("method", "path", "caller", "expected"), ACCESS)
async def test_every_route_answers_each_caller_as_designed(
    world: World, method: str, path: str, caller: str, expected: int
) -> None:
    meeting, kwargs = await _request(world, method, path, caller)
    before = await world.stored(meeting["_id"])
    headers = {**kwargs.pop("headers", {}), **world.headers[caller]}
    response = await world.http.request(method, headers=headers, **kwargs)
    assert response.status_code == expected, response.text

    if path != FEED:  # the feed shows the meetings of whoever's secret it is, to whoever holds it
        if response.is_success and CALLERS[caller] and CALLERS[caller][1] == D2:  # type: ignore[index]
            assert not [i for i in world.d1_ids() if i in response.text], "a D2 caller was shown D1 data"
        if response.is_success and caller not in SEES_R1:
            assert not [m["_id"] for m in world.r1 if m["_id"] in response.text]
    if path == "/meetings" and response.is_success:
        expected_ids = [m["_id"] for m in world.r1] if caller in SEES_R1 else []
        assert [m["id"] for m in response.json()] == expected_ids
    if method == "POST" and path.startswith("/meetings/"):
        after = await world.stored(meeting["_id"])
        entries = await world.audited(meeting["_id"])
        if response.is_success:
            assert after is not None and after["status"] == response.json()["status"]
            assert after["status"] != "scheduled" or after["sequence"] == 1  # moved, or an outcome recorded
            assert [(e["action"], e["district"], e["detail"]) for e in entries] == [(ACTIONS[path.rsplit("/", 1)[1]], D1, {})]
            assert entries[0]["subject"] == (CALLERS[caller][2] or f"district_coordinator-{D1}")  # type: ignore[index]
        else:
            assert after == before, "a rejected write changed the meeting"
            assert entries == [], "a rejected write was audited as done"


async def test_a_teacher_naming_another_participant_is_refused(world: World) -> None:
    other = await world.http.get("/meetings", params={"participant_id": MENTEE_IN}, headers=world.headers["mentor_in"])
    assert other.status_code == 403
    outsider = await world.http.get("/meetings", params={"participant_id": MENTOR_IN}, headers=world.headers["teacher_D2"])
    assert outsider.status_code == 403


async def test_a_teacher_without_filter_gets_exactly_their_own_meetings(world: World) -> None:
    mine = await world.http.get("/meetings", headers=world.headers["mentor_out"])
    assert mine.status_code == 200
    assert [m["id"] for m in mine.json()] == [m["_id"] for m in world.relationships["Rout"]]
    named = await world.http.get("/meetings", params={"participant_id": MENTOR_OUT}, headers=world.headers["mentor_out"])
    assert named.json() == mine.json()


async def test_coordinators_lists_are_their_district_only(world: World) -> None:
    d2 = await world.http.get("/meetings", params={"participant_id": MENTOR_IN}, headers=world.headers["coordinator_D2"])
    assert d2.status_code == 200 and d2.json() == []
    own = await world.http.get("/meetings", params={"participant_id": TEACHER_D2}, headers=world.headers["coordinator_D2"])
    assert [m["id"] for m in own.json()] == [m["_id"] for m in world.relationships["Rd2"]]
    assert {m["district"] for m in own.json()} == {D2}
    everything = await world.http.get("/meetings", params={"relationship_id": "Rd2"}, headers=world.headers["state_admin"])
    assert len(everything.json()) == PLANNED
    unfiltered = await world.http.get("/meetings", headers=world.headers["state_admin"])
    assert unfiltered.status_code == 422


async def test_state_admins_read_the_audit_without_content(world: World) -> None:
    meeting = world.relationships["R3"][7]  # not used by the matrix
    headers = world.headers["coordinator_D1"]
    assert (
        await world.http.post(f"/meetings/{meeting['_id']}/complete", json={"duration_minutes": 33}, headers=headers)
    ).is_success
    log = await world.http.get(
        "/audit", params={"district": D1, "action": "meeting.completed"}, headers=world.headers["state_admin"]
    )
    entry = next(e for e in log.json() if e["target"] == meeting["_id"])
    assert (entry["subject"], entry["role"], entry["district"], entry["detail"]) == (
        f"district_coordinator-{D1}",
        "district_coordinator",
        D1,
        {},
    )
    # the content (duration) is nowhere in the entry; the timestamp may contain "33", so compare values, not text
    assert "duration" not in str(entry) and 33 not in entry.values()


async def test_a_meeting_out_of_reach_answers_like_a_missing_one(world: World) -> None:
    meeting_id = world.r1[1]["_id"]
    for caller in ("coordinator_D2", "mentor_out", "teacher_D2"):
        hidden = await world.http.get(f"/meetings/{meeting_id}", headers=world.headers[caller])
        missing = await world.http.get("/meetings/no-such-meeting", headers=world.headers[caller])
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["detail"].replace(meeting_id, "no-such-meeting") == missing.json()["detail"]
