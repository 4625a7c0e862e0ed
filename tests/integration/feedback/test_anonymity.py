"""The issue's "done when": the stored anonymous answers (the real database) cannot be linked to a person, and
figures under k are suppressed.

A program-wide campaign is answered by six of seven participants, in a known order, with known answers. The test
then reads every collection the way someone with database access would and looks for a link: an id, a shared
field or value, a time, or the order of insertion.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from shared.contracts.envelope import derived_id
from shared.contracts.feedback import AnonymousAnswersReleased, SurveyIssued, SurveyReminderDue, SurveySubmitted
from tests.plugins.services import eventually

from .conftest import Harness

# (overall, recommend, comment) in the order the participants answer: neither sorted nor reverse-sorted
ANSWERS = [(3, 7, "more time please"), (5, 10, None), (1, 2, "too much paperwork"), (4, 9, None), (2, 6, None), (5, 9, None)]
K = 5


def body(overall: int, recommend: int, comment: str | None) -> dict[str, Any]:
    return {"overall": overall, "recommend": recommend, "comment": comment}


def values(doc: Any) -> set[str]:
    """Every scalar value in a document, nested ones too, as text."""
    if isinstance(doc, dict):
        return set().union(*(values(v) for v in doc.values())) if doc else set()
    if isinstance(doc, list):
        return set().union(*(values(v) for v in doc)) if doc else set()
    return {str(doc)}


def times(doc: Any) -> list[Any]:
    if isinstance(doc, dict):
        return [t for v in doc.values() for t in times(v)]
    if isinstance(doc, list):
        return [t for v in doc for t in times(v)]
    return [doc] if isinstance(doc, datetime) else []


async def launch(h: Harness, program_id: str, people: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Enrol ``people``, launch the campaign as the coordinator; returns it and its surveys (in enrolment order)."""
    ids = await h.enrol(program_id, people)
    launched = await h.http.post(f"/programs/{program_id}/anonymous-surveys", json={"open_days": 10})
    assert launched.status_code == 201, launched.text
    campaign = launched.json()
    surveys = []
    for pid in ids:
        mine = (await h.http.get("/surveys", params={"respondent_id": pid})).json()
        surveys += [s for s in mine if s["campaign_id"] == campaign["id"]]
    assert len(surveys) == people
    return campaign, surveys


async def answer_all(h: Harness, surveys: list[dict[str, Any]], answers: list[tuple[int, int, str | None]]) -> None:
    for survey, answer in zip(surveys, answers, strict=False):
        response = await h.answer(survey, body(*answer))
        assert response.status_code == 201, response.text
        assert response.json()["submitted_at"] is None and response.json()["anonymous"] is True


async def figures(h: Harness, program_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    campaigns = (await h.http.get(f"/programs/{program_id}/anonymous-surveys")).json()
    results = (await h.http.get(f"/programs/{program_id}/survey-results")).json()
    return campaigns[0]["figures"], results["templates"]["program_anonymous"]


async def test_stored_anonymous_answers_cannot_be_linked_to_anyone_and_figures_under_k_are_withheld(feedback: Harness):
    h = feedback
    campaign, surveys = await launch(h, "PA", 7)
    assert (campaign["invited"], campaign["status"], campaign["figures"]["suppressed"]) == (7, "open", True)
    issued = await eventually(lambda: len(h.data_of(SurveyIssued)) == 7 and h.data_of(SurveyIssued))
    assert {(d["relationship_id"], d["template"]) for d in issued} == {(None, "program_anonymous")}

    # Four answers: fewer than k. Nothing is released, every figure is withheld.
    await answer_all(h, surveys[:4], ANSWERS[:4])
    await h.sweep(h.later(hours=1))
    assert await h.db["anonymous_answers"].count_documents({}) == 0
    for withheld in await figures(h, "PA"):
        assert withheld == {"suppressed": True, "responses": None, "mean_rating": None, "rating_distribution": None, "nps": None}
    inbox = await h.db["anonymous_inbox"].find_one({"_id": campaign["id"]})
    assert [e["answers"]["overall"] for e in inbox["answers"]] == [1, 3, 4, 5]  # content order, not 3, 5, 1, 4

    # Two more (six): the sweep releases them in one batch of at least k.
    await answer_all(h, surveys[4:6], ANSWERS[4:6])
    twice = await h.answer(surveys[0], body(1, 0, None))
    assert twice.status_code == 409 and twice.json()["detail"] == "survey already answered"
    await h.sweep(h.later(hours=1))

    released = await eventually(lambda: h.of_type(AnonymousAnswersReleased.kind.type))
    assert len(released) == 1
    event = released[0]["body"]
    assert event["id"] == derived_id("anonymous.released", campaign["id"], "0")
    assert event["data"] == {
        "program_id": "PA",
        "campaign_id": campaign["id"],
        "template": "program_anonymous",
        "ratings": [1, 2, 3, 4, 5, 5],
        "recommends": [2, 6, 7, 9, 9, 10],
        "batch": 0,  # the campaign's first release
    }
    assert not h.of_type(SurveySubmitted.kind.type), "an anonymous answer was published on its own"
    assert "paperwork" not in json.dumps(h.seen)

    # What someone with the database sees.
    stored = await h.db["anonymous_answers"].find().to_list()  # natural (insertion) order
    responded = await h.db["responded"].find().to_list()
    mine = await h.db["surveys"].find({"campaign_id": campaign["id"]}).to_list()
    assert len(stored) == len(responded) == 6

    # 1. No respondent, survey or responded id in the answers; no time of any resolution.
    people = {s["respondent_id"] for s in mine}
    ids = people | {s["_id"] for s in mine} | {r["_id"] for r in responded}
    for answer in stored:
        assert set(answer) == {
            "_id",
            "campaign_id",
            "program_id",
            "district",
            "template",
            "template_version",
            "answers",
            "rating",
            "recommend",
        }
        assert not values(answer) & ids, answer
        assert not times(answer), answer
    # 2. No field shared with the responded records that could join them: the only common key besides _id is the
    #    campaign, and its value is the same for every answer (it tells no two people apart).
    shared_keys = set().union(*map(set, stored)) & set().union(*map(set, responded))
    assert shared_keys == {"_id", "campaign_id"}
    assert {a["campaign_id"] for a in stored} == {r["campaign_id"] for r in responded} == {campaign["id"]}
    assert not {a["_id"] for a in stored} & {r["_id"] for r in responded}
    assert set().union(*map(values, stored)) & set().union(*map(values, responded)) == {campaign["id"]}
    assert set(responded[0]) == {"_id", "campaign_id", "respondent_id"}
    # 3. The respondents' survey records: answered, with no answer and no time; their other times are campaign-wide.
    for survey in mine:
        assert survey.get("answered_at") is None and "answers" not in survey and "rating" not in survey
    assert len({(s["issued_at"], s["due_at"]) for s in mine}) == 1
    assert sorted(s["status"] for s in mine) == ["answered"] * 6 + ["open"]
    # 4. Insertion order is not submission order: it is the content order, whatever order people answered in.
    submitted = [a[0] for a in ANSWERS]
    inserted = [a["rating"] for a in stored]
    assert inserted != submitted and inserted == sorted(submitted)
    # 5. Nothing else keeps a link: no audit entry of an anonymous answer, no named response, an empty inbox.
    assert await h.db["audit"].count_documents({"action": "survey.answered"}) == 0
    assert await h.db["responses"].count_documents({}) == 0
    assert (await h.db["anonymous_inbox"].find_one({"_id": campaign["id"]}))["answers"] == []

    # Figures now: six answers, at least k.
    shown, results = await figures(h, "PA")
    assert shown == results
    assert shown == {
        "suppressed": False,
        "responses": 6,
        "mean_rating": 3.33,
        "rating_distribution": {"1": 1, "2": 1, "3": 1, "4": 1, "5": 2},
        "nps": 16.7,
    }
    metrics = (await h.http.get("/metrics")).text
    assert "mentoring_anonymous_answers_released_total 6.0" in metrics
    assert 'mentoring_surveys_answered_total{template="program_anonymous"} 6.0' in metrics

    # Reminders reach only the one who has not answered.
    await h.sweep(datetime.fromisoformat(campaign["due_at"]) - timedelta(hours=47))
    reminded = await eventually(lambda: h.data_of(SurveyReminderDue))
    assert [d["respondent_id"] for d in reminded] == [surveys[6]["respondent_id"]]


async def test_the_stored_order_is_the_same_whatever_order_people_answered_in(feedback: Harness):
    h = feedback
    orders = []
    for program_id, answers in (("PX", ANSWERS), ("PY", list(reversed(ANSWERS)))):
        campaign, surveys = await launch(h, program_id, 6)
        await answer_all(h, surveys, answers)
        await h.sweep(h.later(minutes=5))
        stored = await eventually(partial(_released, h, campaign["id"]))
        orders.append([(a["rating"], a["recommend"], a["answers"].get("comment")) for a in stored])
    assert orders[0] == orders[1]


async def _released(h: Harness, campaign_id: str) -> list[dict[str, Any]] | None:
    stored = await h.db["anonymous_answers"].find({"campaign_id": campaign_id}).to_list()
    return stored if len(stored) == len(ANSWERS) else None


async def test_a_campaign_needs_a_known_program_k_people_and_no_open_campaign(feedback: Harness):
    h = feedback
    assert (await h.http.post("/programs/nobody/anonymous-surveys")).status_code == 404
    await h.enrol("SMALL", K - 1)
    small = await h.http.post("/programs/SMALL/anonymous-surveys")
    assert small.status_code == 409 and "fewer than k=5" in small.json()["detail"]
    await h.enrol("PB", K)
    assert (await h.http.post("/programs/PB/anonymous-surveys")).status_code == 201
    again = await h.http.post("/programs/PB/anonymous-surveys", json={"open_days": 3})
    assert again.status_code == 409 and "already has an open" in again.json()["detail"]
    h.clock.now += timedelta(days=15)  # the first one closed
    second = await h.http.post("/programs/PB/anonymous-surveys", json={"open_days": 3})
    assert second.status_code == 201 and second.json()["number"] == 2
    listed = (await h.http.get("/programs/PB/anonymous-surveys")).json()
    assert [(c["number"], c["status"]) for c in listed] == [(1, "closed"), (2, "open")]
    bad = await h.http.post("/programs/PB/anonymous-surveys", json={"open_days": 0})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "open_days"]
