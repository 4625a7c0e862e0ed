"""What the OpenAPI fuzz run (tests/contract/test_openapi_fuzz.py) sends besides generated data.

Seeders make records in the fuzzing coordinator's district the way production makes them: matching's
through its HTTP API; scheduling's, feedback's and metrics' from a ``RelationshipStarted`` (and
``ProgramCreated``) event published on the real JetStream, as matching would. Each returns ``Seeds``:
values, by parameter or body field name, that name an existing record. Hostile bodies are inputs a
generator is unlikely to produce but uploaders and attackers do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nats
import requests

from shared.auth.principal import Role
from shared.contracts.envelope import CloudEvent, EventData, derived_id, make_event
from shared.contracts.matching import ProgramCreated, ProgramModel, RelationshipStarted
from shared.roster import participant_id

DISTRICT = "FZ1"
ROSTER = """external_id,name,email,role,school,subjects,grade_bands,years_experience,language,trained
M1,Fuzz Mentor One,m1.fuzz@example.org,mentor,Lincoln,math,6-8,12,en,yes
M2,Fuzz Mentor Two,m2.fuzz@example.org,mentor,Lincoln,math,6-8,8,en,yes
N1,Fuzz Mentee One,n1.fuzz@example.org,mentee,Lincoln,math,6-8,0,en,
N2,Fuzz Mentee Two,n2.fuzz@example.org,mentee,Lincoln,math,6-8,1,en,
"""
CSV = {"content-type": "text/csv"}
PROGRAM = "fuzz-program"
RELATIONSHIP = "fuzz-relationship"
MENTOR, MENTEE = participant_id(DISTRICT, "M1"), participant_id(DISTRICT, "N1")

HEADER = ROSTER.splitlines()[0]


def one_row(name: str, extra: str = "") -> str:
    """The header and one mentor row named ``name``."""
    return f"{HEADER}\nM9,{name},m9.fuzz@example.org,mentor,Lincoln,math,6-8,3,en{extra}\n"


# Roster files a hostile or careless uploader sends: each must get a documented 4xx (or 200 with row errors), never a 5xx.
HOSTILE_CSV: dict[str, str | bytes] = {
    "carriage return inside an unquoted field": one_row("Ann\rLee"),
    "lone carriage return": "\r0",
    "field over the csv module's 128 KiB limit": one_row("A" * 200_000),
    "unterminated quote": one_row('"Ann'),
    "NUL byte in a field": one_row("Ann\x00Lee"),
    "byte-order mark only": "\ufeff",
    "header only": f"{HEADER}\n",
    "more cells than columns": one_row("Ann", ",extra,cells"),
    "formula in a cell": one_row('=HYPERLINK("http://evil.example";"x")'),
    "not UTF-8": b"external_id,name\n\xff\xfe\xfa,\xc3\x28\n",
}
# JSON bodies no generator is likely to produce: each must get a documented 4xx, never a 5xx or an undocumented 400.
HOSTILE_JSON: dict[str, str | bytes] = {
    "truncated JSON": b'{"rating": 4',
    "not UTF-8": b'\xff\xfe{"rating": 4}',
    "JSON null": b"null",
    "array instead of object": b"[]",
    "deeply nested arrays": b"[" * 100_000 + b"]" * 100_000,
    "integer over Python's 4300-digit limit": b'{"rating": 1' + b"0" * 5000 + b"}",
    "NaN": b'{"rating": NaN, "duration_minutes": NaN}',
}
HOSTILE_BODIES = {"text/csv": HOSTILE_CSV, "application/json": HOSTILE_JSON}


@dataclass(frozen=True)
class Seeds:
    """Values (by parameter or body field name) naming seeded records, and the teacher taking part, if one must call."""

    values: dict[str, str]
    caller: tuple[Role, str] | None = None  # (role, subject); None: the district's coordinator


Seeder = Callable[[requests.Session, str], Seeds]


def ok(response: requests.Response) -> Any:
    assert response.status_code < 400, f"seeding {response.request.method} {response.url}: {response.status_code} {response.text}"
    return response.json()


def wait_for(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while (value := check()) is None or value == []:
        if time.monotonic() > deadline:
            raise AssertionError(f"seeding: {what} not there after {timeout}s")
        time.sleep(0.1)
    return value


def publish(nats_url: str, *events: CloudEvent[Any]) -> None:
    async def send() -> None:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        for env in events:
            await js.publish(env.nats_subject, env.model_dump_json().encode(), headers={"Nats-Msg-Id": env.id})
        await nc.close()

    asyncio.run(send())


def event(data: EventData, subject: str) -> CloudEvent[Any]:
    return make_event(data, district=DISTRICT, subject=subject, event_id=derived_id("fuzz", type(data).kind.type, subject))


def relationship_started() -> CloudEvent[Any]:
    data = RelationshipStarted(
        program_id=PROGRAM, relationship_id=RELATIONSHIP, mentor_id=MENTOR, mentee_id=MENTEE, started_at=datetime.now(UTC)
    )
    return event(data, RELATIONSHIP)


def seed_matching(http: requests.Session, nats_url: str) -> Seeds:
    program = ok(http.post("/programs", json={"district": DISTRICT, "name": "Fuzz program"}))["id"]
    ok(http.post(f"/programs/{program}/roster", data=ROSTER, headers=CSV))
    proposals = ok(http.post(f"/programs/{program}/match-runs?wait=30"))["proposals"]
    assert len(proposals) == 2, f"seeding: expected two proposals, got {proposals}"
    ok(http.post(f"/proposals/{proposals[0]['id']}/approve"))
    relationship = ok(http.get(f"/programs/{program}/relationships"))[0]["id"]
    return Seeds(
        {"program_id": program, "proposal_id": proposals[1]["id"], "relationship_id": relationship, "district": DISTRICT}
    )


def seed_scheduling(http: requests.Session, nats_url: str) -> Seeds:
    publish(nats_url, relationship_started())
    meetings = wait_for(lambda: ok(http.get("/meetings", params={"relationship_id": RELATIONSHIP})), "meetings")
    return Seeds({"meeting_id": meetings[0]["id"], "relationship_id": RELATIONSHIP, "participant_id": MENTOR})


def seed_feedback(http: requests.Session, nats_url: str) -> Seeds:
    publish(nats_url, relationship_started())
    survey = wait_for(lambda: ok(http.get("/surveys", params={"relationship_id": RELATIONSHIP})), "surveys")[0]
    respondent = survey["respondent_id"]  # only the respondent may answer: the seeded runs call as them
    values = {"survey_id": survey["id"], "relationship_id": RELATIONSHIP, "respondent_id": respondent}
    return Seeds(values, caller=(Role(survey["role"]), respondent))


def seed_notification(http: requests.Session, nats_url: str) -> Seeds:
    ok(http.post(f"/districts/{DISTRICT}/contacts", data=ROSTER, headers=CSV))
    return Seeds({"district": DISTRICT, "recipient_id": MENTOR})


def seed_metrics(http: requests.Session, nats_url: str) -> Seeds:
    publish(nats_url, event(ProgramCreated(program_id=PROGRAM, model=ProgramModel.ONE_TO_ONE), PROGRAM), relationship_started())

    def summary() -> Any:
        response = http.get(f"/programs/{PROGRAM}/summary")
        return ok(response) if response.status_code != 404 else None

    wait_for(summary, "program summary")
    return Seeds({"program_id": PROGRAM, "district": DISTRICT})


SEEDERS: dict[str, Seeder] = {
    "matching": seed_matching,
    "scheduling": seed_scheduling,
    "notification": seed_notification,
    "feedback": seed_feedback,
    "metrics": seed_metrics,
}
