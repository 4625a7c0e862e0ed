"""Feedback against real NATS and nx-27017: surveys issued from RelationshipStarted, answered over HTTP."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from shared.contracts.envelope import derived_id
from shared.contracts.feedback import SurveyIssued, SurveySubmitted
from shared.contracts.matching import RelationshipStarted
from tests.plugins.services import eventually

from .conftest import Harness

ISSUED = SurveyIssued.kind.type
SUBMITTED = SurveySubmitted.kind.type


async def test_relationship_started_issues_two_versioned_surveys_and_events(feedback: Harness):
    started_at = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    rel = await feedback.start_relationship(started_at)
    surveys = await feedback.surveys_of(rel.relationship_id)
    assert {(s["respondent_id"], s["role"]) for s in surveys} == {(rel.mentor_id, "mentor"), (rel.mentee_id, "mentee")}
    for s in surveys:
        assert s["id"] == derived_id("survey", rel.relationship_id, "match_quality_30d", s["respondent_id"])
        expected = ("open", "match_quality_30d", 1, False, "P1", feedback.district)
        assert (s["status"], s["template"], s["template_version"], s["anonymous"], s["program_id"], s["district"]) == expected
        assert datetime.fromisoformat(s["due_at"]) == started_at + timedelta(days=30)

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
    rid = uuid.uuid4().hex
    data = RelationshipStarted(
        program_id="P1", relationship_id=rid, mentor_id="M1", mentee_id="N1", started_at=feedback.clock.now
    )
    env = feedback.event(data, rid)
    await feedback.publish(env)
    first = await eventually(lambda: len(feedback.of_type(ISSUED)) == 2 and [e["body"]["id"] for e in feedback.of_type(ISSUED)])

    seq = await feedback.publish(env, msg_id=f"redelivery-{uuid.uuid4()}")  # a different id: JetStream keeps it
    await feedback.handled(env, seq)
    assert len(await feedback.surveys_of(rid)) == 2
    assert sorted({e["body"]["id"] for e in feedback.of_type(ISSUED)}) == sorted(first)
    subject = f"mentoring.feedback.{feedback.district}.survey.issued.v1"
    state = (await feedback.js.stream_info("FEEDBACK", subjects_filter=subject)).state
    assert state.subjects == {subject: 2}
    metrics = (await feedback.http.get("/metrics")).text
    assert 'mentoring_surveys_issued_total{template="match_quality_30d"} 2.0' in metrics


async def test_answer_is_stored_and_published_without_the_free_text(feedback: Harness):
    rel = await feedback.start_relationship()
    survey = (await feedback.surveys_of(rel.relationship_id))[0]
    comment = "My mentor mentioned my classroom struggles to the principal"
    answered = await feedback.answer(survey, {"overall": 4, "fit": "good", "recommend": 9, "comment": f"  {comment} "})
    assert answered.status_code == 201, answered.text
    body = answered.json()
    assert body["answers"] == {"overall": 4, "fit": "good", "recommend": 9, "comment": comment}
    assert (body["survey_id"], body["anonymous"], body["template_version"]) == (survey["id"], False, 1)

    read = (await feedback.http.get(f"/surveys/{survey['id']}")).json()
    assert read["status"] == "answered" and read["answered_at"] is not None
    stored = await feedback.app.state.feedback.repo.responses.find_one({"survey_id": survey["id"]})
    assert (stored["answers"]["comment"], stored["rating"], stored["recommend"]) == (comment, 4, 9)

    events = await eventually(lambda: feedback.of_type(SUBMITTED))
    assert len(events) == 1
    event = events[0]
    assert event["subject"] == f"mentoring.feedback.{feedback.district}.survey.submitted.v1"
    assert event["body"]["id"] == event["headers"]["Nats-Msg-Id"] == derived_id("survey.submitted", survey["id"])
    assert event["body"]["data"] == {
        "program_id": "P1",
        "relationship_id": rel.relationship_id,
        "survey_id": survey["id"],
        "template": "match_quality_30d",
        "rating": 4,
        "recommend": 9,
    }
    assert "struggles" not in json.dumps(feedback.seen) and '"good"' not in json.dumps(event)

    again = await feedback.answer(survey, {"overall": 1})
    assert again.status_code == 409 and again.json()["detail"] == "survey already answered"
    still = await feedback.app.state.feedback.repo.responses.find_one({"survey_id": survey["id"]})
    assert still["rating"] == 4
    metrics = (await feedback.http.get("/metrics")).text
    assert 'mentoring_surveys_answered_total{template="match_quality_30d"} 1.0' in metrics
    assert 'mentoring_survey_rating_bucket{le="3.0",template="match_quality_30d"} 0.0' in metrics
    assert 'mentoring_survey_rating_bucket{le="4.0",template="match_quality_30d"} 1.0' in metrics


async def test_invalid_answers_are_refused_naming_each_question_and_the_reason(feedback: Harness):
    rel = await feedback.start_relationship()
    survey = (await feedback.surveys_of(rel.relationship_id))[0]
    response = await feedback.answer(survey, {"overall": 6, "fit": "amazing", "mood": 3})
    assert response.status_code == 422
    problems = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert problems == {
        ("body", "answers", "overall"): "must be a whole number from 1 to 5",
        ("body", "answers", "fit"): "must be one of: very_good, good, unsure, poor",
        ("body", "answers", "mood"): "unknown question",
    }
    missing = await feedback.answer(survey, {"comment": "no rating"})
    assert missing.status_code == 422
    assert [(e["loc"], e["msg"]) for e in missing.json()["detail"]] == [(["body", "answers", "overall"], "an answer is required")]
    for bad in ({"overall": 4.5}, {"overall": [4]}, {"Overall!": 4}):
        refused = await feedback.answer(survey, bad)
        assert refused.status_code == 422, bad
        assert refused.json()["detail"][0]["loc"][:2] == ["body", "answers"], refused.text
    not_wrapped = await feedback.http.post(
        f"/surveys/{survey['id']}/responses", json={"overall": 4}, headers=feedback.respondent(survey)
    )
    assert not_wrapped.status_code == 422
    assert (await feedback.http.get(f"/surveys/{survey['id']}")).json()["status"] == "open"
    assert await feedback.app.state.feedback.repo.responses.count_documents({"survey_id": survey["id"]}) == 0

    unfiltered = await feedback.http.get("/surveys")
    assert unfiltered.status_code == 422 and "respondent_id or relationship_id" in unfiltered.json()["detail"]
    assert (await feedback.http.get("/surveys/nope")).status_code == 404
    missing_survey = await feedback.answer({"id": "nope", "role": "mentor", "respondent_id": "someone"}, {"overall": 3})
    assert missing_survey.status_code == 404 and "nope" in missing_survey.json()["detail"]


async def test_an_answer_after_the_due_date_is_refused_and_the_survey_expires(feedback: Harness):
    rel = await feedback.start_relationship(feedback.clock.now - timedelta(days=31))
    survey = (await feedback.surveys_of(rel.relationship_id))[1]
    late = await feedback.answer(survey, {"overall": 2})
    assert late.status_code == 409 and "expired" in late.json()["detail"]
    assert (await feedback.http.get(f"/surveys/{survey['id']}")).json()["status"] == "expired"
    assert 'mentoring_surveys_expired_total{template="match_quality_30d"} 1.0' in (await feedback.http.get("/metrics")).text
    assert not feedback.of_type(SUBMITTED)


async def test_a_retry_finishes_a_submission_that_stopped_before_its_event(feedback: Harness):
    rel = await feedback.start_relationship()
    survey = (await feedback.surveys_of(rel.relationship_id))[0]
    # As if the process died right after storing the response: survey still open, nothing emitted.
    await feedback.app.state.feedback.repo.add_response(
        {
            "_id": derived_id("response", survey["id"]),
            "survey_id": survey["id"],
            "program_id": "P1",
            "respondent_id": survey["respondent_id"],
            "template": survey["template"],
            "answers": {"overall": 5},
            "rating": 5,
            "recommend": None,
            "submitted_at": datetime.now(UTC),
        }
    )
    retry = await feedback.answer(survey, {"overall": 3})
    assert retry.status_code == 409
    assert (await feedback.http.get(f"/surveys/{survey['id']}")).json()["status"] == "answered"
    events = await eventually(lambda: feedback.of_type(SUBMITTED))
    assert [e["body"]["data"]["rating"] for e in events] == [5]


async def test_the_templates_are_listed_and_the_openapi_describes_every_error(feedback: Harness):
    templates = (await feedback.http.get("/survey-templates")).json()
    assert {t["template"] for t in templates} == {
        "meeting_pulse",
        "match_quality_30d",
        "mid_cycle",
        "closure",
        "program_anonymous",
    }
    pulse = next(t for t in templates if t["template"] == "meeting_pulse")
    assert pulse["version"] == 1 and pulse["questions"][0] == {
        "id": "overall",
        "kind": "scale",
        "text": "How useful was this meeting?",
        "required": True,
        "choices": [],
        "minimum": 1,
        "maximum": 5,
    }
    paths = (await feedback.http.get("/openapi.json")).json()["paths"]
    assert {"201", "404", "409", "422"} <= set(paths["/surveys/{survey_id}/responses"]["post"]["responses"])
    assert {"201", "403", "404", "409"} <= set(paths["/programs/{program_id}/anonymous-surveys"]["post"]["responses"])
    assert {"200", "422"} <= set(paths["/surveys"]["get"]["responses"])
