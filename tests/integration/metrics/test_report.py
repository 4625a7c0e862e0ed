"""Done when: the report page renders with charts (the served HTML and its SVG parsed), and figures under k are
suppressed on the page, in the API and in the CSV exports."""

from __future__ import annotations

import csv
import io
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
import pytest

from services.metrics.app import create_app
from services.metrics.settings import MetricsSettings
from services.metrics.svg import plot_height
from shared.auth.principal import Role
from shared.contracts.envelope import CloudEvent, EventData, make_event
from shared.contracts.feedback import AnonymousAnswersReleased, SurveyIssued, SurveySubmitted, SurveyTemplate
from shared.contracts.matching import ParticipantEnrolled, ProgramCreated, ProgramModel, RelationshipStarted
from shared.contracts.matching import Role as Part
from shared.contracts.scheduling import MeetingCompleted, MeetingKind, MeetingMissed, MeetingScheduled
from tests.integration.metrics.world_io import publish_all
from tests.plugins.services import eventually, running
from tests.unit.metrics.worlds import T0

NS = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
FORMULA_SCHOOL = '=HYPERLINK("http://evil.example","x")'


def events(district: str, p1: str, p2: str) -> list[CloudEvent[Any]]:
    """P1: two pairs, meetings over three weeks, three named answers (under k). P2: an anonymous batch of six."""
    out: list[CloudEvent[Any]] = []

    def emit(data: EventData, days: float = 0) -> None:
        out.append(make_event(data, district=district, subject="x", time=T0 + timedelta(days=days)))

    for program in (p1, p2):
        emit(ProgramCreated(program_id=program, model=ProgramModel.ONE_TO_ONE))
    for i, (school, role) in enumerate(
        [("Lincoln", Part.MENTOR), (FORMULA_SCHOOL, Part.MENTOR), ("Lincoln", Part.MENTEE), (FORMULA_SCHOOL, Part.MENTEE)]
    ):
        emit(ParticipantEnrolled(program_id=p1, participant_id=f"{p1}-t{i}", role=role, enrolled_at=T0, school=school))
    for r in (0, 1):
        pair = {"program_id": p1, "mentor_id": f"{p1}-t{r}", "mentee_id": f"{p1}-t{r + 2}"}
        emit(RelationshipStarted(relationship_id=f"{p1}-r{r}", started_at=T0 + timedelta(days=2), **pair), 2)
    for week, (rel, outcome, minutes) in enumerate(
        [(0, "completed", 60), (1, "missed", 0), (0, "completed", 30), (1, "completed", 90)]
    ):
        meeting = {
            "program_id": p1,
            "relationship_id": f"{p1}-r{rel}",
            "meeting_id": f"{p1}-m{week}",
            "meeting_kind": MeetingKind.CHECK_IN,
        }
        starts = T0 + timedelta(weeks=week + 1)
        emit(MeetingScheduled(**meeting, participant_ids=["a"], starts_at=starts, duration_minutes=60))
        if outcome == "completed":
            emit(MeetingCompleted(**meeting, duration_minutes=minutes), 7 * week + 8)
        else:
            emit(MeetingMissed(**meeting, absent_ids=["a"]), 7 * week + 8)
    for s, rating in enumerate([5, 4, 4]):
        survey = {
            "program_id": p1,
            "relationship_id": f"{p1}-r0",
            "survey_id": f"{p1}-s{s}",
            "template": SurveyTemplate.MEETING_PULSE,
        }
        emit(SurveyIssued(**survey, respondent_id=f"{p1}-t0", due_at=T0 + timedelta(days=40)), 30)
        emit(SurveySubmitted(**survey, rating=rating, recommend=9), 31)
    batch = AnonymousAnswersReleased(
        program_id=p2, campaign_id="c1", template=SurveyTemplate.PROGRAM_ANONYMOUS, ratings=[1, 2, 3, 3, 5, 5], recommends=[]
    )
    emit(batch, 35)
    return out


@pytest.fixture
async def served(service_settings, nats_server, auth):
    district, p1, p2 = f"R{uuid.uuid4().hex[:6]}", f"a{uuid.uuid4().hex[:8]}", f"b{uuid.uuid4().hex[:8]}"
    app = create_app(MetricsSettings(**service_settings("metrics", recompute_seconds=0.1, k=5)))
    nc = await nats.connect(nats_server.url)
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, district)) as http:
        await publish_all(nc.jetstream(), events(district, p1, p2))

        async def projected() -> bool:
            response = await http.get(f"/districts/{district}/summary")
            return response.status_code == 200 and response.json()["satisfaction"]["responses"] == 9

        await eventually(projected)
        yield http, district, p1, p2, app
    await nc.close()


def parse(html: str) -> ET.Element:
    return ET.fromstring(html)


def kpi(page: ET.Element, key: str) -> ET.Element:
    row = page.find(f".//h:tr[@data-figure='{key}']", NS)
    assert row is not None, key
    cell = row.find("h:td", NS)
    assert cell is not None
    return cell


def chart(page: ET.Element, key: str) -> ET.Element:
    section = page.find(f".//h:section[@data-chart='{key}']", NS)
    assert section is not None, key
    return section


def assert_bars_proportional(bars: list[ET.Element]) -> None:
    top = max(float(b.get("data-value", 0)) for b in bars)
    for bar in bars:
        expected = float(bar.get("data-value", 0)) / top * plot_height() if top else 0
        assert float(bar.get("height", -1)) == pytest.approx(expected, abs=0.11)


async def test_program_report_draws_the_figures_and_suppresses_satisfaction_under_k(served):
    http, _, p1, _, _ = served
    summary = (await http.get(f"/programs/{p1}/summary")).json()
    weekly = (await http.get(f"/programs/{p1}/weekly")).json()["weeks"]
    assert summary["satisfaction"] == {
        "responses": 3,
        "mean": None,
        "distribution": None,
        "recommend_responses": 3,
        "nps": None,
        "suppressed": True,
        "nps_suppressed": True,
    }
    assert summary["surveys"] == {"issued": 3, "submitted": 3, "response_rate": None, "suppressed": True}
    response = await http.get(f"/programs/{p1}/report")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.find(".//h:script", NS) is None  # nothing to run in the browser

    assert kpi(page, "satisfaction_mean").get("data-suppressed") == "true"
    assert kpi(page, "nps").get("data-suppressed") == "true"
    assert kpi(page, "response_rate").get("data-suppressed") == "true"
    assert float(kpi(page, "match_rate").get("data-value", 0)) == summary["match_rate"] == 1.0
    assert float(kpi(page, "meeting_completion_rate").get("data-value", 0)) == summary["meeting_completion_rate"] == 0.75
    satisfaction = chart(page, "satisfaction")
    assert satisfaction.find("s:svg", NS) is None and "fewer than 5 answers" in "".join(satisfaction.itertext())

    meetings = chart(page, "meetings_per_week").findall(".//s:rect[@class='bar']", NS)
    drawn = {(b.get("data-series"), b.get("data-label")): float(b.get("data-value", -1)) for b in meetings}
    for week in weekly:
        assert drawn[("completed", week["week"])] == week["meetings_completed"]
        assert drawn[("missed", week["week"])] == week["meetings_missed"]
    assert sum(v for (series, _), v in drawn.items() if series == "completed") == summary["meetings"]["completed"] == 3
    assert_bars_proportional(meetings)
    points = chart(page, "mentor_hours_per_week").findall(".//s:circle[@class='point']", NS)
    assert [(p.get("data-label"), float(p.get("data-value", -1))) for p in points] == [
        (w["week"], pytest.approx(w["mentor_hours"], abs=0.005)) for w in weekly
    ]
    line = chart(page, "mentor_hours_per_week").find(".//s:polyline", NS)
    assert line is not None and len(line.get("points", "").split()) == len(weekly)
    ended = chart(page, "ended_by_reason").findall(".//s:rect[@class='bar']", NS)
    assert {b.get("data-label"): float(b.get("data-value", -1)) for b in ended} == {r: 0.0 for r in summary["ended_by_reason"]}


async def test_district_report_and_exports_show_what_reaches_k_and_suppress_what_does_not(served):
    http, district, p1, p2, _ = served
    summary = (await http.get(f"/districts/{district}/summary")).json()
    assert summary["satisfaction"]["distribution"] == {"1": 1, "2": 1, "3": 2, "4": 2, "5": 3}
    assert summary["satisfaction"]["mean"] == pytest.approx(32 / 9) and not summary["satisfaction"]["suppressed"]
    assert summary["satisfaction"]["nps"] is None and summary["satisfaction"]["nps_suppressed"]  # 3 recommendation answers

    page = parse((await http.get(f"/districts/{district}/report")).text)
    bars = chart(page, "satisfaction").findall(".//s:rect[@class='bar']", NS)
    assert {b.get("data-label"): int(float(b.get("data-value", -1))) for b in bars} == summary["satisfaction"]["distribution"]
    assert_bars_proportional(bars)
    assert float(kpi(page, "satisfaction_mean").get("data-value", 0)) == pytest.approx(32 / 9)
    rates = chart(page, "match_rate_by_program").findall(".//s:rect[@class='bar']", NS)
    assert {b.get("data-label"): float(b.get("data-value", -1)) for b in rates} == {p1: 100.0, p2: 0.0}
    schools = page.find(".//h:section[@data-table='schools']", NS)
    assert schools is not None and FORMULA_SCHOOL in "".join(schools.itertext())  # escaped, shown as text

    rows = list(csv.DictReader(io.StringIO((await http.get(f"/districts/{district}/programs.csv")).text)))
    by_program = {r["program_id"]: r for r in rows}
    assert by_program[p1]["satisfaction.suppressed"] == "True" and by_program[p1]["satisfaction.mean"] == ""
    assert by_program[p1]["satisfaction.distribution.5"] == "" and by_program[p1]["surveys.response_rate"] == ""
    assert by_program[p2]["satisfaction.suppressed"] == "False" and float(by_program[p2]["satisfaction.mean"]) == pytest.approx(
        19 / 6
    )
    schools_csv = (await http.get(f"/districts/{district}/schools.csv")).text
    assert "'" + FORMULA_SCHOOL in schools_csv.replace('""', '"')  # neutralised: a spreadsheet keeps it as text
    weekly_csv = list(csv.DictReader(io.StringIO((await http.get(f"/programs/{p1}/weekly.csv")).text)))
    assert [r["mean_rating"] for r in weekly_csv if int(r["responses"])] == [""]  # three answers that week: suppressed


async def without_token(http: Any, url: str) -> Any:
    """GET as a browser following a link would: no Authorization header at all."""
    request = http.build_request("GET", url)
    del request.headers["Authorization"]
    return await http.send(request)


async def test_a_report_link_opens_its_page_in_a_browser_without_a_token_until_it_expires(served):
    http, district, p1, p2, app = served
    made = await http.post(f"/programs/{p1}/report-link")
    assert made.status_code == 200, made.text
    link = made.json()
    assert link["url"].startswith("http://") and "/reports/" in link["url"]
    expires = datetime.fromisoformat(link["expires_at"])
    assert timedelta(hours=71) < expires - datetime.now(UTC) <= timedelta(hours=72)

    opened = await without_token(http, link["url"])
    assert opened.status_code == 200 and opened.headers["content-type"].startswith("text/html")
    page = parse(opened.text)
    assert p1 in "".join(page.itertext()) and page.findall(".//s:svg", NS)  # the program's page, charts included
    assert (await without_token(http, f"/programs/{p1}/report")).status_code == 401  # the page itself still needs a token

    district_link = (await http.post(f"/districts/{district}/report-link")).json()["url"]
    district_page = await without_token(http, district_link)
    assert district_page.status_code == 200 and f"District {district}" in district_page.text and p2 in district_page.text

    secret = link["url"].rsplit("/", 1)[1]
    for wrong in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "short", "x" * 300, "../programs/" + p1):
        assert (await without_token(http, f"/reports/{wrong}")).status_code == 404, wrong
    made_by = await app.state.runtime.audit.collection.find({"action": "report_link.created"}).to_list()
    assert sorted(e["target"] for e in made_by) == sorted([f"program:{p1}", f"district:{district}"])

    await app.state.links.links.update_many({}, {"$set": {"expires": time.time() - 1}})  # three days later
    assert (await without_token(http, link["url"])).status_code == 404
    assert (await without_token(http, district_link)).status_code == 404
