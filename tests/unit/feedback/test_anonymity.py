"""Anonymous answers: nothing in them names a person or a time, and their order never follows arrival."""

from __future__ import annotations

import itertools
from datetime import datetime

from services.feedback import anonymity

CAMPAIGN = {"_id": "C1", "program_id": "P1", "district": "D1", "template": "program_anonymous", "template_version": 1}
ANSWERS = [{"overall": r, "recommend": n} for r, n in [(4, 8), (2, 3), (5, 10), (3, 7), (1, 0)]]


def inbox_after(order: tuple[int, ...]) -> list[anonymity.Entry]:
    entries = [{"id": f"id{i}", "answers": ANSWERS[i]} for i in range(len(ANSWERS))]
    pending: list[anonymity.Entry] = []
    for i in order:
        pending = anonymity.with_entry(pending, entries[i])
    return pending


def test_the_inbox_order_is_the_same_whatever_order_the_answers_arrived_in():
    orders = list(itertools.permutations(range(len(ANSWERS))))
    assert len({tuple(e["id"] for e in inbox_after(order)) for order in orders}) == 1
    assert [e["answers"]["overall"] for e in inbox_after(orders[0])] == [1, 2, 3, 4, 5]


def test_nothing_is_released_below_k_and_everything_at_k():
    pending = inbox_after((0, 1, 2, 3))
    assert anonymity.releasable(pending, 5) == []
    assert len(anonymity.releasable(inbox_after((4, 3, 2, 1, 0)), 5)) == 5


def test_a_stored_answer_has_the_campaigns_fields_and_the_answers_and_nothing_else():
    entry = anonymity.new_entry({"overall": 4, "recommend": 9, "comment": "fine"})
    doc = anonymity.stored(entry, CAMPAIGN)
    assert set(doc) == {
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
    assert (doc["rating"], doc["recommend"]) == (4, 9)
    assert len(doc["_id"]) == 32 and doc["_id"] != anonymity.new_entry({"overall": 4})["id"]
    assert not any(isinstance(v, datetime) for v in doc.values())


def test_a_batch_carries_sorted_scores_only():
    ratings, recommends = anonymity.batch_scores([*inbox_after((2, 0, 4, 1, 3)), {"id": "x", "answers": {"overall": 3}}])
    assert ratings == [1, 2, 3, 3, 4, 5] and recommends == [0, 3, 7, 8, 10]
