"""How an anonymous answer is kept so that nobody can link it to the person who gave it. Pure: no I/O.

An anonymous answer is stored as ``{_id, campaign_id, program_id, district, template, template_version, answers,
rating, recommend}``: no respondent id (not even hashed), no survey id, no time of any resolution, and an ``_id``
drawn at random (``uuid4``: no clock, unlike an ObjectId). The campaign's fields are the same for every answer of
the campaign, so they tell the answers apart from no one.

Order is the other way to link: the ``responded`` records (who answered) are inserted in submission order. So an
answer is not stored when it is given. It waits in the campaign's inbox, a single document whose list is kept
**sorted by content** (a random id breaks ties), and is moved to the answers collection only in a batch of at least
k, inserted in that content order (by rating, then recommendation, then the rest). The stored order is then a
function of what the batch says, never of when anyone said it; the published batch (``AnonymousAnswersReleased``)
carries sorted scores only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from shared.storage.mongo import Document

from .templates import scores

Entry = dict[str, Any]  # {"id": random hex, "answers": {...}}


def new_entry(answers: dict[str, Any]) -> Entry:
    """An inbox entry for cleaned ``answers``, with a random id (no clock, no respondent)."""
    return {"id": uuid.uuid4().hex, "answers": answers}


def _content(entry: Entry) -> tuple[int, int, str, str]:
    """Rating, then recommendation, then the rest of the answers; the random id only breaks exact ties."""
    rating, recommend = scores(entry["answers"])
    return rating, -1 if recommend is None else recommend, json.dumps(entry["answers"], sort_keys=True), entry["id"]


def with_entry(pending: Sequence[Entry], entry: Entry) -> list[Entry]:
    """The inbox list with ``entry`` added, in content order (never arrival order)."""
    return sorted([*pending, entry], key=_content)


def releasable(pending: Sequence[Entry], k: int) -> list[Entry]:
    """The whole inbox when it holds at least ``k`` answers, in content order; else nothing."""
    return sorted(pending, key=_content) if len(pending) >= k else []


def stored(entry: Entry, campaign: Document) -> Document:
    """The document an answer becomes: the campaign's fields and the answers, nothing that names a person or a time."""
    rating, recommend = scores(entry["answers"])
    return {
        "_id": entry["id"],
        "campaign_id": campaign["_id"],
        "program_id": campaign["program_id"],
        "district": campaign["district"],
        "template": campaign["template"],
        "template_version": campaign["template_version"],
        "answers": entry["answers"],
        "rating": rating,
        "recommend": recommend,
    }


def batch_scores(entries: Sequence[Entry]) -> tuple[list[int], list[int]]:
    """Sorted ratings and sorted recommendations (those given) of a batch: what the released event carries."""
    pairs = [scores(e["answers"]) for e in entries]
    return sorted(r for r, _ in pairs), sorted(n for _, n in pairs if n is not None)
