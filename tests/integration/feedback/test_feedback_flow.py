"""Feedback against real NATS and nx-27017: surveys issued from RelationshipStarted, answered over HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext

from services.feedback.app import create_app
from services.feedback.settings import FeedbackSettings
from shared.auth.principal import Role
from shared.contracts.envelope import CloudEvent, derived_id, make_event
from shared.contracts.feedback import SurveyIssued, SurveySubmitted
from shared.contracts.matching import RelationshipStarted
from shared.contracts.subjects import MATCHING_STREAM
from shared.messaging.broker import durable_name
from tests.plugins.services import eventually, running

ISSUED = SurveyIssued.kind.type
SUBMITTED = SurveySubmitted.kind.type


@dataclass
class Harness:
    """The running service, called as the coordinator of ``district`` unless a request sends other headers."""

    app: FastAPI
    http: httpx.AsyncClient
    js: JetStreamContext
    district: str
    auth: Callable[..., dict[str, str]]
    seen: list[dict[str, Any]] = field(default_factory=list)

    def respondent(self, survey: dict[str, Any]) -> dict[str, str]:
        """Headers of the teacher a survey was issued to (their token's subject is their participant id)."""
        return self.auth(Role(survey["role"]), self.district, subject=survey["respondent_id"])

    async def answer(self, survey: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(f"/surveys/{survey['id']}/responses", json=body, headers=self.respondent(survey))

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [m for m in self.seen if m["body"]["type"] == event_type]

    async def publish(self, env: CloudEvent[Any], msg_id: str | None = None) -> int:
        ack = await self.js.publish(env.nats_subject, env.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id or env.id})
        return ack.seq

    async def surveys_of(self, relationship_id: str) -> list[dict[str, Any]]:
        response = await self.http.get("/surveys", params={"relationship_id": relationship_id})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


@pytest.fixture
async def feedback(service_settings, nats_server, auth) -> AsyncIterator[Harness]:
    app = create_app(FeedbackSettings(**service_settings("feedback")))
    nc = await nats.connect(nats_server.url)
    district = f"F{uuid.uuid4().hex[:8]}"  # the NATS server is shared by the session: keep to our own district
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, district)) as http:
        harness = Harness(app, http, nc.jetstream(), district, auth)

        async def collect(msg: Any) -> None:
            harness.seen.append({"subject": msg.subject, "headers": msg.headers, "body": json.loads(msg.data)})

        await nc.subscribe(f"mentoring.feedback.{district}.>", cb=collect)
        yield harness
    await nc.close()


def relationship_started(district: str, started_at: datetime) -> CloudEvent[RelationshipStarted]:
    rid = uuid.uuid4().hex
    data = RelationshipStarted(
        program_id="P1", relationship_id=rid, mentor_id=f"M{rid[:6]}", mentee_id=f"N{rid[:6]}", started_at=started_at
    )
    return make_event(data, district=district, subject=rid, event_id=derived_id("relationship.started", rid))


async def issued(h: Harness, started_at: datetime | None = None) -> tuple[RelationshipStarted, list[dict[str, Any]]]:
    """Publish a RelationshipStarted and wait for its two surveys."""
    env = relationship_started(h.district, started_at or datetime.now(UTC))
    await h.publish(env)
    surveys = await eventually(lambda: _two(h.surveys_of(env.data.relationship_id)))
    return env.data, surveys


async def _two(pending: Any) -> Any:
    surveys = await pending
    return surveys if len(surveys) == 2 else None


async def test_relationship_started_issues_two_surveys_and_events(feedback: Harness):
    started_at = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    rel, surveys = await issued(feedback, started_at)
    assert {(s["respondent_id"], s["role"]) for s in surveys} == {(rel.mentor_id, "mentor"), (rel.mentee_id, "mentee")}
    due = (started_at + timedelta(days=30)).isoformat().replace("+00:00", "")
    for s in surveys:
        assert s["id"] == derived_id("survey", rel.relationship_id, "match_quality_30d", s["respondent_id"])
        assert (s["status"], s["template"], s["program_id"], s["district"]) == (
            "open",
            "match_quality_30d",
            "P1",
            feedback.district,
        )
        assert s["due_at"].startswith(due)
    stored = await feedback.app.state.feedback.repo.surveys.count_documents({"relationship_id": rel.relationship_id})
    assert stored == 2

    events = await eventually(lambda: len(feedback.of_type(ISSUED)) == 2 and feedback.of_type(ISSUED))
    assert {e["subject"] for e in events} == {f"mentoring.feedback.{feedback.district}.survey.issued.v1"}
    for e in events:
        survey_id = e["body"]["data"]["survey_id"]
        assert e["body"]["id"] == e["headers"]["Nats-Msg-Id"] == derived_id("survey.issued", survey_id)
        assert e["body"]["district"] == feedback.district and e["body"]["source"] == "/mentoring/feedback"
    assert {e["body"]["data"]["survey_id"] for e in events} == {s["id"] for s in surveys}
    metrics = (await feedback.http.get("/metrics")).text
    assert 'mentoring_surveys_issued_total{template="match_quality_30d"} 2.0' in metrics


async def test_redelivered_relationship_started_issues_nothing_new(feedback: Harness):
    env = relationship_started(feedback.district, datetime.now(UTC))
    await feedback.publish(env)
    first = await eventually(lambda: len(feedback.of_type(ISSUED)) == 2 and [e["body"]["id"] for e in feedback.of_type(ISSUED)])

    seq = await feedback.publish(env, msg_id=f"redelivery-{uuid.uuid4()}")  # a different id: JetStream keeps it
    consumer = durable_name("feedback", "relationship_started_v1")

    async def handled() -> bool:
        info = await feedback.js.consumer_info(MATCHING_STREAM.name, consumer)
        return info.ack_floor is not None and info.ack_floor.stream_seq >= seq

    await eventually(handled)
    assert len(await feedback.surveys_of(env.data.relationship_id)) == 2
    assert sorted({e["body"]["id"] for e in feedback.of_type(ISSUED)}) == sorted(first)
    subject = f"mentoring.feedback.{feedback.district}.survey.issued.v1"
    state = (await feedback.js.stream_info("FEEDBACK", subjects_filter=subject)).state
    assert state.subjects == {subject: 2}
    metrics = (await feedback.http.get("/metrics")).text
    assert 'mentoring_surveys_issued_total{template="match_quality_30d"} 2.0' in metrics


async def test_answer_is_stored_and_published_without_the_comment(feedback: Harness):
    rel, surveys = await issued(feedback)
    survey_id = surveys[0]["id"]
    comment = "My mentor mentioned my classroom struggles to the principal"
    answered = await feedback.answer(surveys[0], {"rating": 4, "comment": comment})
    assert answered.status_code == 201, answered.text
    body = answered.json()
    assert (body["survey_id"], body["rating"], body["comment"], body["late"]) == (survey_id, 4, comment, False)

    survey = (await feedback.http.get(f"/surveys/{survey_id}")).json()
    assert (survey["status"], survey["late"]) == ("answered", False)
    stored = await feedback.app.state.feedback.repo.responses.find_one({"survey_id": survey_id})
    assert stored["comment"] == comment and stored["rating"] == 4

    events = await eventually(lambda: feedback.of_type(SUBMITTED))
    assert len(events) == 1
    event = events[0]
    assert event["subject"] == f"mentoring.feedback.{feedback.district}.survey.submitted.v1"
    assert event["body"]["id"] == event["headers"]["Nats-Msg-Id"] == derived_id("survey.submitted", survey_id)
    assert event["body"]["data"] == {
        "program_id": "P1",
        "relationship_id": rel.relationship_id,
        "survey_id": survey_id,
        "template": "match_quality_30d",
        "rating": 4,
    }
    assert comment not in json.dumps(event) and "struggles" not in json.dumps(event)

    again = await feedback.answer(surveys[0], {"rating": 1})
    assert again.status_code == 409 and again.json()["detail"] == "survey already answered"
    still = await feedback.app.state.feedback.repo.responses.find_one({"survey_id": survey_id})
    assert still["rating"] == 4
    metrics = (await feedback.http.get("/metrics")).text
    assert 'mentoring_surveys_submitted_total{template="match_quality_30d"} 1.0' in metrics
    assert 'mentoring_survey_rating_bucket{le="3.0",template="match_quality_30d"} 0.0' in metrics
    assert 'mentoring_survey_rating_bucket{le="4.0",template="match_quality_30d"} 1.0' in metrics


async def test_bad_input_is_rejected_and_unknown_surveys_are_404(feedback: Harness):
    _, surveys = await issued(feedback)
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "5"}, {"rating": 4.5}, {"comment": "no rating"}):
        response = await feedback.answer(surveys[0], bad)
        assert response.status_code == 422, bad
        assert ["body", "rating"] in [e["loc"] for e in response.json()["detail"]], bad
    too_long = await feedback.answer(surveys[0], {"rating": 3, "comment": "x" * 2001})
    assert too_long.status_code == 422 and too_long.json()["detail"][0]["loc"] == ["body", "comment"]
    assert (await feedback.http.get(f"/surveys/{surveys[0]['id']}")).json()["status"] == "open"

    unfiltered = await feedback.http.get("/surveys")
    assert unfiltered.status_code == 422 and "respondent_id or relationship_id" in unfiltered.json()["detail"]
    assert (await feedback.http.get("/surveys/nope")).status_code == 404
    missing = await feedback.answer({"id": "nope", "role": "mentor", "respondent_id": "someone"}, {"rating": 3})
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    by_respondent = await feedback.http.get("/surveys", params={"respondent_id": surveys[0]["respondent_id"]})
    assert [s["id"] for s in by_respondent.json()] == [surveys[0]["id"]]


async def test_answer_after_the_due_date_is_accepted_and_marked_late(feedback: Harness):
    _, surveys = await issued(feedback, datetime.now(UTC) - timedelta(days=45))
    answered = await feedback.answer(surveys[1], {"rating": 2})
    assert answered.status_code == 201 and answered.json()["late"] is True
    survey = (await feedback.http.get(f"/surveys/{surveys[1]['id']}")).json()
    assert (survey["status"], survey["late"]) == ("answered", True)


async def test_a_retry_finishes_a_submission_that_stopped_before_its_event(feedback: Harness):
    _, surveys = await issued(feedback)
    survey = surveys[0]
    # As if the process died right after storing the response: survey still open, nothing emitted.
    await feedback.app.state.feedback.repo.add_response(
        {
            "_id": derived_id("response", survey["id"]),
            "survey_id": survey["id"],
            "respondent_id": survey["respondent_id"],
            "template": survey["template"],
            "rating": 5,
            "comment": None,
            "submitted_at": datetime.now(UTC),
            "late": False,
        }
    )
    retry = await feedback.answer(survey, {"rating": 3})
    assert retry.status_code == 409
    assert (await feedback.http.get(f"/surveys/{survey['id']}")).json()["status"] == "answered"
    events = await eventually(lambda: feedback.of_type(SUBMITTED))
    assert [e["body"]["data"]["rating"] for e in events] == [5]


async def test_openapi_describes_every_route_and_error(feedback: Harness):
    paths = (await feedback.http.get("/openapi.json")).json()["paths"]
    answer = paths["/surveys/{survey_id}/responses"]["post"]["responses"]
    assert {"201", "404", "409", "422"} <= set(answer)
    assert {"200", "404"} <= set(paths["/surveys/{survey_id}"]["get"]["responses"])
    assert {"200", "422"} <= set(paths["/surveys"]["get"]["responses"])
