"""Every metrics route × every kind of caller, against a D1 program projected from published events.

Metrics only reads: the table asserts who may read what, and that nothing of D1 reaches a caller
outside it. ``ACCESS`` is the table (the route-coverage contract test checks it names every route).
A report link is the one credential that is not a token: whoever holds it sees that one report.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Final

import nats
import pytest
import pytest_asyncio

from services.metrics.app import create_app
from services.metrics.settings import MetricsSettings
from shared.auth.principal import Role
from tests.integration.metrics.scenario import drained, publish, sequence
from tests.plugins.services import eventually, running

D1, D2 = "D1", "D2"
pytestmark = pytest.mark.asyncio(loop_scope="module")
UP_TO_RELATIONSHIP: Final = 9  # the scenario's first events: program, four enrolments, two proposals, one relationship
COORDINATOR = Role.DISTRICT_COORDINATOR

# Who calls: (role, district, participant id suffix in the scenario's program); None is no token at all.
CALLERS: Final[dict[str, tuple[Role, str | None, str | None] | None]] = {
    "anonymous": None,
    "state_admin": (Role.STATE_ADMIN, None, None),
    "coordinator_D1": (COORDINATOR, D1, None),
    "coordinator_D2": (COORDINATOR, D2, None),
    "mentor_in": (Role.MENTOR, D1, "m1"),  # the scenario's relationship: m1 mentors e1
    "mentee_in": (Role.MENTEE, D1, "e1"),
    "mentor_out": (Role.MENTOR, D1, "m2"),
    "mentee_out": (Role.MENTEE, D1, "e2"),
    "teacher_D2": (Role.MENTEE, D2, "e1"),
}
OUTSIDERS: Final = {"anonymous", "coordinator_D2", "mentor_out", "mentee_out", "teacher_D2"}

P, D, S = "/programs/{program_id}", "/districts/{district}", "/state"
PROGRAM_READ: Final = (401, 200, 200, 404, 403, 403, 403, 403, 403)
DISTRICT_READ: Final = (401, 200, 200, 403, 403, 403, 403, 403, 403)
STATE_READ: Final = (401, 200, 403, 403, 403, 403, 403, 403, 403)
# fmt: off
#   callers:  anon admin  C-D1  C-D2  m-in  e-in  m-out e-out T-D2
ROUTES: Final[dict[tuple[str, str], tuple[int, ...]]] = {
    ("GET", f"{P}/summary"): PROGRAM_READ,
    ("GET", f"{P}/weekly"): PROGRAM_READ,
    ("GET", f"{P}/weekly.csv"): PROGRAM_READ,
    ("GET", f"{P}/report"): PROGRAM_READ,
    ("POST", f"{P}/report-link"): PROGRAM_READ,
    ("GET", "/reports/{secret}"): (200, 200, 200, 200, 200, 200, 200, 200, 200),  # whoever holds the link
    ("GET", f"{D}/summary"): DISTRICT_READ,
    ("GET", f"{D}/weekly"): DISTRICT_READ,
    ("GET", f"{D}/programs"): DISTRICT_READ,
    ("GET", f"{D}/programs.csv"): DISTRICT_READ,
    ("GET", f"{D}/schools"): DISTRICT_READ,
    ("GET", f"{D}/schools.csv"): DISTRICT_READ,
    ("GET", f"{D}/report"): DISTRICT_READ,
    ("POST", f"{D}/report-link"): DISTRICT_READ,
    ("GET", f"{S}/summary"): STATE_READ,
    ("GET", f"{S}/weekly"): STATE_READ,
    ("GET", f"{S}/districts"): STATE_READ,
    ("GET", f"{S}/districts.csv"): STATE_READ,
    ("GET", "/events/consumed"): STATE_READ,
    ("GET", "/audit"): STATE_READ,
}
# fmt: on
ACCESS: Final[list[tuple[str, str, str, int]]] = [
    (method, path, caller, status)
    for (method, path), statuses in ROUTES.items()
    for caller, status in zip(CALLERS, statuses, strict=True)
]
# A successful read must show D1's figures: this text appears in the body.
EVIDENCE: Final[dict[tuple[str, str], Callable[[dict[str, str]], str]]] = {
    ("GET", f"{P}/summary"): lambda w: f'"program_id":"{w["program_id"]}"',
    ("GET", f"{P}/weekly"): lambda w: f'"scope":"program","id":"{w["program_id"]}"',
    ("GET", f"{P}/weekly.csv"): lambda w: "week,enrolled,relationships_started",
    ("GET", f"{P}/report"): lambda w: f"Program {w['program_id']}",
    ("POST", f"{P}/report-link"): lambda w: '"url":"http',
    ("GET", "/reports/{secret}"): lambda w: f"Program {w['program_id']}",
    ("GET", f"{D}/summary"): lambda w: f'"district":"{w["district"]}","programs":1',
    ("GET", f"{D}/weekly"): lambda w: f'"scope":"district","id":"{w["district"]}"',
    ("GET", f"{D}/programs"): lambda w: f'"program_id":"{w["program_id"]}"',
    ("GET", f"{D}/programs.csv"): lambda w: f"{w['program_id']},{w['district']},",
    ("GET", f"{D}/schools"): lambda w: f'"district":"{w["district"]}","school":"Lincoln"',
    ("GET", f"{D}/schools.csv"): lambda w: f"Lincoln,{w['district']},",
    ("GET", f"{D}/report"): lambda w: f"District {w['district']}",
    ("POST", f"{D}/report-link"): lambda w: '"url":"http',
    ("GET", f"{S}/summary"): lambda w: '"districts":2',
    ("GET", f"{S}/weekly"): lambda w: '"scope":"state"',
    ("GET", f"{S}/districts"): lambda w: f'"district":"{w["district"]}"',
    ("GET", f"{S}/districts.csv"): lambda w: f"{w['district']},1,",
    ("GET", "/events/consumed"): lambda w: "org.mentoring.program.created.v1",
    ("GET", "/audit"): lambda w: "[",
}

LINKED: Final = "/reports/{secret}"
Auth = Callable[..., dict[str, str]]


def headers_of(auth: Auth, label: str, programs: dict[str, str]) -> dict[str, str]:
    who = CALLERS[label]
    if who is None:
        return {}
    role, district, suffix = who
    subject = f"{programs[district]}-{suffix}" if district and suffix else None
    return auth(role, district, subject)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(module_nats_server, mongo_url, dev_keys):
    """The metrics app with one program in D1 and one in D2 (enrolment up to the first relationship), projected."""
    programs = {d: uuid.uuid4().hex[:12] for d in (D1, D2)}
    settings = MetricsSettings(
        nats_url=module_nats_server.urls["metrics"],
        mongodb_url=mongo_url,
        database=f"t{uuid.uuid4().hex[:8]}_metrics_matrix",
        recompute_seconds=0.1,
        auth_public_key_file=dev_keys[1],
    )
    app = create_app(settings)
    nc = await nats.connect(module_nats_server.url)
    js = nc.jetstream()
    async with running(app) as http:
        last: dict[str, int] = {}
        for district in (D1, D2):
            events = sequence(district, programs[district], "unused")[:UP_TO_RELATIONSHIP]
            for stream, seq in (await publish(js, events)).items():
                last[stream] = max(last.get(stream, 0), seq)
        await eventually(lambda: drained(js, last))
        repo = app.state.projection.repo

        async def recomputed() -> bool:
            return not await repo.count_dirty() and all([await repo.cell(f"district:{d}") for d in (D1, D2)])

        await eventually(recomputed)
        yield http, programs
    await nc.close()


@pytest.mark.parametrize("route", list(ROUTES), ids=" ".join)
async def test_every_caller_gets_the_designed_status(route, world, auth):
    http, programs = world
    method, template = route
    d1 = {"program_id": programs[D1], "district": D1}
    if template == LINKED:  # a link to D1's program report, made by its coordinator
        made = await http.post(f"/programs/{programs[D1]}/report-link", headers=headers_of(auth, "coordinator_D1", programs))
        d1["secret"] = made.json()["url"].rsplit("/", 1)[1]
    path = template.format(**d1)
    secrets = {programs[D1], f"{programs[D1]}-m1", f"{programs[D1]}-e1"} - {value for value in d1.values() if value in path}
    problems = []
    for caller, expected in [(c, s) for m, p, c, s in ACCESS if (m, p) == route]:
        response = await http.request(method, path, headers=headers_of(auth, caller, programs))
        if response.status_code != expected:
            problems.append(f"{caller}: expected {expected}, got {response.status_code} {response.text[:200]}")
            continue
        if (caller in OUTSIDERS and template != LINKED) or expected >= 400:  # a link shows its report to whoever holds it
            leaked = {s for s in secrets if s in response.text}
            if leaked:
                problems.append(f"{caller}: D1 data in a response outside D1: {sorted(leaked)}")
        if expected == 200 and EVIDENCE[route](d1) not in response.text:
            problems.append(f"{caller}: D1's figures are missing from the answer: {response.text[:200]}")
    assert not problems, f"{method} {template}:\n" + "\n".join(problems)


async def test_each_district_reads_its_own_figures_only(world, auth):
    http, programs = world
    as_d2 = auth(COORDINATOR, D2)
    own = (await http.get(f"/districts/{D2}/summary", headers=as_d2)).json()
    program = (await http.get(f"/programs/{programs[D2]}/summary", headers=as_d2)).json()
    assert own["programs"] == 1 and own["participants"] == {"mentors": 2, "mentees": 2, "peers": 0}  # D1's are not added in
    assert own["proposals"] == program["proposals"] == {"proposed": 2, "approved": 1}
    assert own["active_relationships"] == program["active_relationships"] == 1
    assert program["program_id"] == programs[D2] and program["district"] == D2
    other = await http.get(f"/programs/{programs[D1]}/summary", headers=as_d2)
    never_seen = await http.get("/programs/neverseen/summary", headers=as_d2)
    assert other.json()["detail"].replace(programs[D1], "neverseen") == never_seen.json()["detail"]
    assert other.status_code == never_seen.status_code == 404
    schools = (await http.get(f"/districts/{D2}/schools", headers=as_d2)).json()
    assert [(s["school"], s["enrolled"], s["matched_mentees"]) for s in schools] == [("Lincoln", 4, 1)]
