"""Every notification route × every kind of caller, against records of district D1 (D2 is the other district).

Seeded the real way: each coordinator uploads their district's contacts over HTTP, then matching's
``RelationshipStarted`` events on JetStream cause the deliveries. The D1 records are district D1's contact
directory, its webhook, and the delivery log and inbox of the mentor of relationship R1. One module-wide service instance serves
every case; refused writes must leave the directory and the audit log unchanged.

A coordinator asking for a recipient of another district gets an empty list, exactly what a recipient
without deliveries gives: the district is part of the store query, and the answer reveals nothing.
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

from services.notification.app import create_app
from services.notification.settings import NotificationSettings
from shared.auth.principal import Role
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import RelationshipStarted
from shared.roster import participant_id
from shared.storage.mongo import Document
from tests.integration.notification.conftest import Person, oneroster, roster
from tests.plugins.services import eventually, running

pytestmark = pytest.mark.asyncio(loop_scope="module")

D1, D2 = "D1", "D2"
PEOPLE = {
    D1: [
        Person("T-in", "Ana In", "ana.in@example.org"),
        Person("S-in", "Cleo In", "cleo.in@example.org", "mentee"),
        Person("T-out", "Ben Out", "ben.out@example.org"),
        Person("S-out", "Dev Out", "dev.out@example.org", "mentee"),
    ],
    D2: [Person("T-d2", "Eve Two", "eve.two@example.org"), Person("S-d2", "Fay Two", "fay.two@example.org", "mentee")],
}
MENTOR_IN, MENTEE_IN = participant_id(D1, "T-in"), participant_id(D1, "S-in")
MENTOR_OUT, MENTEE_OUT = participant_id(D1, "T-out"), participant_id(D1, "S-out")
TEACHER_D2, PARTNER_D2 = participant_id(D2, "T-d2"), participant_id(D2, "S-d2")
PAIRS = {"R1": (D1, MENTOR_IN, MENTEE_IN), "Rout": (D1, MENTOR_OUT, MENTEE_OUT), "Rd2": (D2, TEACHER_D2, PARTNER_D2)}

# label -> (role, district, subject); None sends no token
CALLERS: dict[str, tuple[Role, str | None, str | None] | None] = {
    "anonymous": None,
    "state_admin": (Role.STATE_ADMIN, None, None),
    "coordinator_D1": (Role.DISTRICT_COORDINATOR, D1, None),
    "coordinator_D2": (Role.DISTRICT_COORDINATOR, D2, None),
    "mentor_in": (Role.MENTOR, D1, MENTOR_IN),  # whose delivery log is the D1 record
    "mentee_in": (Role.MENTEE, D1, MENTEE_IN),
    "mentor_out": (Role.MENTOR, D1, MENTOR_OUT),
    "mentee_out": (Role.MENTEE, D1, MENTEE_OUT),
    "teacher_D2": (Role.MENTOR, D2, TEACHER_D2),
}


def _row(method: str, path: str, *statuses: int) -> list[tuple[str, str, str, int]]:
    return [(method, path, caller, status) for caller, status in zip(CALLERS, statuses, strict=True)]


# fmt: off
ACCESS: list[tuple[str, str, str, int]] = [
    #                                                   anon admin C-D1 C-D2 m-in e-in m-out e-out T-D2
    *_row("POST", "/districts/{district}/contacts",     401, 403,  200, 403, 403, 403, 403,  403,  403),
    *_row("POST", "/districts/{district}/oneroster",    401, 403,  200, 403, 403, 403, 403,  403,  403),
    *_row("GET", "/deliveries",                         401, 200,  200, 200, 200, 403, 403,  403,  403),
    *_row("GET", "/people/{participant_id}/deliveries", 401, 200,  200, 200, 403, 403, 403,  403,  403),
    *_row("GET", "/me/deliveries",                      401, 403,  403, 403, 200, 200, 200,  200,  200),
    *_row("GET", "/me/inbox",                           401, 403,  403, 403, 200, 200, 200,  200,  200),
    *_row("GET", "/me/inbox/unread-count",              401, 403,  403, 403, 200, 200, 200,  200,  200),
    *_row("POST", "/me/inbox/{item_id}/read",           401, 403,  403, 403, 200, 404, 404,  404,  404),
    *_row("GET", "/me/preferences",                     401, 403,  403, 403, 200, 200, 200,  200,  200),
    *_row("PUT", "/me/preferences",                     401, 403,  403, 403, 200, 200, 200,  200,  200),
    *_row("PUT", "/districts/{district}/webhook",       401, 403,  200, 403, 403, 403, 403,  403,  403),
    *_row("GET", "/districts/{district}/webhook",       401, 200,  200, 403, 403, 403, 403,  403,  403),
    *_row("GET", "/audit",                              401, 200,  403, 403, 403, 403, 403,  403,  403),
    *_row("GET", "/health",                             200, 200,  200, 200, 200, 200, 200,  200,  200),
    *_row("GET", "/metrics",                            200, 200,  200, 200, 200, 200, 200,  200,  200),
]
# fmt: on
SEES_LOG = {"state_admin", "coordinator_D1", "mentor_in"}  # who reads MENTOR_IN's delivery log
UPLOADS = {"/districts/{district}/contacts", "/districts/{district}/oneroster"}
WEBHOOK = {"url": "http://127.0.0.1:9/hooks", "secret": "matrix-secret-0123456789"}


@dataclass
class World:
    app: Any
    http: httpx.AsyncClient
    headers: dict[str, dict[str, str]]
    deliveries: dict[str, list[Document]]  # recipient id -> their delivery records

    @property
    def inbox_item(self) -> str:
        """MENTOR_IN's inbox entry (its id is the in-app delivery's)."""
        return next(d["_id"] for d in self.deliveries[MENTOR_IN] if d["channel"] == "in_app")

    def d1_secrets(self) -> set[str]:
        """Ids, names and addresses of district D1 a D2 caller must never be shown."""
        people = {value for p in PEOPLE[D1] for value in (p.name, p.email, participant_id(D1, p.external_id))}
        return people | {d["_id"] for pid, ds in self.deliveries.items() for d in ds if d["district"] == D1}

    async def snapshot(self) -> tuple[list[Document], int]:
        db = self.app.state.runtime.db
        return await db["contacts"].find({}).sort("_id", 1).to_list(), await db["audit"].count_documents({})


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(module_nats_server, mongo_url, dev_keys, auth, mail_sink) -> AsyncIterator[World]:
    """One service for the whole module, on the module's nats-server (the same permissions as every test's)."""
    server = module_nats_server
    settings = NotificationSettings(
        nats_url=server.urls["notification"],
        mongodb_url=mongo_url,
        database=f"t{uuid.uuid4().hex[:8]}_notification_matrix",
        outbox_relay_seconds=0.5,
        auth_public_key_file=dev_keys[1],
        smtp_port=mail_sink.port,
    )
    app = create_app(settings)
    headers = {label: auth(*spec) if spec else {} for label, spec in CALLERS.items()}
    async with running(app) as http:
        for district, people in PEOPLE.items():
            uploaded = await http.post(
                f"/districts/{district}/contacts", content=roster(*people), headers=auth(Role.DISTRICT_COORDINATOR, district)
            )
            assert uploaded.json()["new"] == len(people), uploaded.text
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        for rid, (district, mentor, mentee) in PAIRS.items():
            data = RelationshipStarted(
                program_id="P", relationship_id=rid, mentor_id=mentor, mentee_id=mentee, started_at=datetime.now(UTC)
            )
            env = make_event(data, district, rid, derived_id("test.started", rid))
            await js.publish(env.nats_subject, env.model_dump_json().encode(), headers={"Nats-Msg-Id": env.id})
        await nc.close()
        repo = app.state.notifications.repo
        deliveries = {}
        for district, mentor, mentee in PAIRS.values():
            for pid in (mentor, mentee):
                deliveries[pid] = await eventually(lambda p=pid, d=district: _sent(repo, p, d))
        coordinator = auth(Role.DISTRICT_COORDINATOR, D1)
        assert (await http.put(f"/districts/{D1}/webhook", json=WEBHOOK, headers=coordinator)).status_code == 200
        yield World(app, http, headers, deliveries)


async def _sent(repo: Any, recipient_id: str, district: str) -> list[Document] | None:
    found = await repo.deliveries_of(recipient_id, district)
    return found if found and all(d["status"] == "sent" for d in found) else None


def _request(world: World, method: str, path: str, caller: str) -> dict[str, Any]:
    """The request's URL, query and body; each upload renames the D1 mentor after its caller."""
    if path == "/districts/{district}/contacts":
        renamed = Person("T-in", f"Renamed by {caller}", "ana.in@example.org")
        return {"url": path.format(district=D1), "content": roster(renamed), "headers": {"content-type": "text/csv"}}
    if path == "/districts/{district}/oneroster":
        renamed = Person("T-in", f"Renamed by {caller}", "ana.in@example.org")
        headers = {"content-type": "application/zip"}
        return {"url": path.format(district=D1), "content": oneroster(renamed), "params": {"role": "mentor"}, "headers": headers}
    if path == "/deliveries":
        return {"url": path, "params": {"recipient_id": MENTOR_IN}}
    if path == "/people/{participant_id}/deliveries":
        return {"url": path.format(participant_id=MENTOR_IN)}
    if path == "/me/inbox/{item_id}/read":
        return {"url": path.format(item_id=world.inbox_item)}
    if path == "/me/preferences" and method == "PUT":
        return {"url": path, "json": {"quiet_hours": {"start": "22:00", "end": "06:30"}}}
    if path == "/districts/{district}/webhook":
        return {"url": path.format(district=D1), **({"json": WEBHOOK} if method == "PUT" else {})}
    return {"url": path}


@pytest.mark.parametrize(("method", "path", "caller", "expected"), ACCESS)
async def test_every_route_answers_each_caller_as_designed(
    world: World, method: str, path: str, caller: str, expected: int
) -> None:
    request = _request(world, method, path, caller)
    before = await world.snapshot()
    headers = {**request.pop("headers", {}), **world.headers[caller]}
    response = await world.http.request(method, headers=headers, **request)
    assert response.status_code == expected, response.text

    who = CALLERS[caller]
    if response.is_success and who and who[1] == D2:
        assert not [s for s in world.d1_secrets() if s in response.text], "a D2 caller was shown D1 data"
    if path in ("/deliveries", "/people/{participant_id}/deliveries") and response.is_success:
        expected_ids = [d["_id"] for d in world.deliveries[MENTOR_IN]] if caller in SEES_LOG else []
        assert [d["id"] for d in response.json()] == expected_ids
        assert {d["district"] for d in response.json()} <= {D1}
    if path == "/me/deliveries" and response.is_success:
        assert who is not None and {d["recipient_id"] for d in response.json()} == {who[2]}
    if path == "/me/inbox" and response.is_success:
        assert who is not None and response.json()["total"] == (1 if who[2] in world.deliveries else 0)
    if path == "/districts/{district}/webhook" and response.is_success:
        assert WEBHOOK["secret"] not in response.text and response.json()["url"] == WEBHOOK["url"]
    if method == "PUT" and path.startswith("/districts"):
        _, audited = await world.snapshot()
        assert audited == before[1] + (1 if response.is_success else 0), "only an accepted change is audited"
    if path in UPLOADS:
        contacts, audited = await world.snapshot()
        if response.is_success:
            assert next(c for c in contacts if c["_id"] == MENTOR_IN)["name"] == f"Renamed by {caller}"
            assert audited == before[1] + 1
            entry = await world.app.state.runtime.db["audit"].find_one({}, sort=[("at", -1)])
            target = path.format(district=D1).lstrip("/")
            assert (entry["action"], entry["target"], entry["district"]) == ("contacts.imported", target, D1)
            skipped = {"skipped": 0} if path.endswith("oneroster") else {}
            assert entry["detail"] == {"accepted": 1, "new": 0, "rejected": 0, **skipped}
        else:
            assert (contacts, audited) == before, "a refused upload changed the directory or the audit log"


async def test_a_teacher_reads_only_their_own_log(world: World) -> None:
    own = await world.http.get("/deliveries", params={"recipient_id": MENTEE_OUT}, headers=world.headers["mentee_out"])
    assert [d["id"] for d in own.json()] == [d["_id"] for d in world.deliveries[MENTEE_OUT]]
    partner = await world.http.get("/deliveries", params={"recipient_id": MENTOR_OUT}, headers=world.headers["mentee_out"])
    assert partner.status_code == 403


async def test_another_districts_recipient_looks_like_one_without_deliveries(world: World) -> None:
    d2 = world.headers["coordinator_D2"]
    other = await world.http.get("/deliveries", params={"recipient_id": MENTOR_IN}, headers=d2)
    nobody = await world.http.get("/deliveries", params={"recipient_id": "nobody"}, headers=d2)
    assert other.status_code == nobody.status_code == 200 and other.json() == nobody.json() == []
    own = await world.http.get("/deliveries", params={"recipient_id": TEACHER_D2}, headers=d2)
    assert [d["id"] for d in own.json()] == [d["_id"] for d in world.deliveries[TEACHER_D2]]
    admin = await world.http.get("/deliveries", params={"recipient_id": TEACHER_D2}, headers=world.headers["state_admin"])
    assert admin.json() == own.json()


async def test_imports_are_audited_with_counts_only(world: World) -> None:
    log = await world.http.get("/audit", params={"action": "contacts.imported"}, headers=world.headers["state_admin"])
    entries = log.json()
    assert {(e["district"], e["subject"]) for e in entries} >= {(D1, "district_coordinator-D1"), (D2, "district_coordinator-D2")}
    for e in entries:  # a OneRoster upload also counts the users it left out on purpose
        extra = {"skipped"} if e["target"].endswith("/oneroster") else set()
        assert set(e["detail"]) == {"accepted", "new", "rejected"} | extra
    names = [value for people in PEOPLE.values() for p in people for value in (p.name, p.email)]
    assert not [n for n in names if n in log.text] and "Renamed" not in log.text
