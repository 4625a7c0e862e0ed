"""The read model's upserts on the real store behave exactly like the pure ``domain.apply``, in any order."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import pytest
from pymongo import AsyncMongoClient

from services.metrics.domain import project
from services.metrics.repository import ReadModel
from shared.contracts.envelope import EventData
from tests.unit.metrics.samples import (
    APPROVED,
    COMPLETED,
    ENDED,
    FAILED,
    ISSUED,
    MISSED,
    PROPOSED,
    SCHEDULED,
    SENT,
    STARTED,
    SUBMITTED,
    D,
    replay,
)

GROUPS = {
    ("meetings", "mt1"): (SCHEDULED, COMPLETED, MISSED),
    ("relationships", "r1"): (STARTED, ENDED),
    ("surveys", "s1"): (ISSUED, SUBMITTED),
    ("notifications", "n1"): (SENT, FAILED),
    ("proposals", "pr1"): (PROPOSED, APPROVED),
}


@pytest.fixture
async def read_model(mongo_url):
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, tz_aware=True)
    yield ReadModel(client[f"t{uuid.uuid4().hex[:8]}_metrics_repo"])
    await client.close()


async def _apply(model: ReadModel, *events: EventData) -> None:
    for data in events:
        await model.apply(project(D, data))


@pytest.mark.parametrize("key", list(GROUPS), ids=lambda k: k[0])
async def test_every_order_and_duplicate_gives_the_pure_result(read_model, key):
    collection, doc_id = key
    for order in itertools.permutations(GROUPS[key]):
        await read_model.db[collection].delete_many({})
        await _apply(read_model, *order, *order)  # every event twice
        stored = await read_model.db[collection].find_one({"_id": doc_id})
        assert stored == replay(*order)[key], [type(e).__name__ for e in order]


async def test_concurrent_initial_and_later_status_both_land(read_model):
    """Handlers of different messages run concurrently: an insert race must not lose the later status."""
    meetings = read_model.db["meetings"]
    for _ in range(10):
        await meetings.delete_many({})
        await asyncio.gather(_apply(read_model, SCHEDULED), _apply(read_model, COMPLETED))
        stored = await meetings.find_one({"_id": "mt1"})
        assert stored is not None and stored["status"] == "completed" and stored["minutes"] == 60
