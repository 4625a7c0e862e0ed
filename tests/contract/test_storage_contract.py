"""Every MongoDB operation the services rely on, run against whatever MONGODB_URL names (nx-27017 by default).

Run it against a real MongoDB with ``MONGODB_URL=mongodb://host:27017 make test`` to check both ends of the subset.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.storage.mongo import insert_once, make_client, ping, restore_bools, restore_datetimes


@pytest.fixture
async def db(mongo_url):
    client = make_client(mongo_url)
    name = f"contract_{uuid.uuid4().hex[:8]}"
    yield client[name]
    await client.drop_database(name)
    await client.close()


async def test_ping_and_crud_round_trip_with_aware_datetimes(db):
    await ping(db.client)
    when = datetime(2026, 9, 1, 16, 0, tzinfo=UTC)
    await db.things.insert_one({"_id": "a", "at": when, "tags": ["x"], "nested": {"n": 1}})
    doc = await db.things.find_one({"_id": "a"})
    assert doc["at"] == when and doc["at"].utcoffset() == timedelta(0)
    assert await db.things.find_one({"nested.n": 1}) is not None
    await db.things.delete_one({"_id": "a"})
    assert await db.things.count_documents({}) == 0


async def test_insert_once_and_unique_compound_index(db):
    assert await insert_once(db.c, {"_id": "k"}) is True
    assert await insert_once(db.c, {"_id": "k"}) is False
    await db.p.create_index([("program_id", ASCENDING), ("participant_id", ASCENDING)], unique=True)
    await db.p.create_index([("program_id", ASCENDING), ("participant_id", ASCENDING)], unique=True)  # idempotent
    await db.p.insert_one({"program_id": "p", "participant_id": "x"})
    with pytest.raises(DuplicateKeyError):
        await db.p.insert_one({"program_id": "p", "participant_id": "x"})


async def test_insert_many_unordered_reports_duplicates_as_11000_and_keeps_the_rest(db):
    await db.o.insert_one({"_id": "1"})
    with pytest.raises(BulkWriteError) as info:
        await db.o.insert_many([{"_id": "1"}, {"_id": "2"}], ordered=False)
    assert {e["code"] for e in info.value.details["writeErrors"]} == {11000}
    assert await db.o.count_documents({}) == 2


async def test_upsert_with_set_on_insert_reports_new_documents(db):
    first = await db.u.update_one({"k": 1}, {"$set": {"v": "a"}, "$setOnInsert": {"created": 1}}, upsert=True)
    second = await db.u.update_one({"k": 1}, {"$set": {"v": "b"}, "$setOnInsert": {"created": 2}}, upsert=True)
    assert first.upserted_id is not None and second.upserted_id is None
    doc = await db.u.find_one({"k": 1})
    assert doc["v"] == "b" and doc["created"] == 1


async def test_conditional_find_one_and_update_and_update_many(db):
    await db.s.insert_many([{"_id": i, "status": "draft", "p": "x"} for i in range(3)])
    won = await db.s.find_one_and_update(
        {"_id": 0, "status": "draft"}, {"$set": {"status": "approved"}}, return_document=ReturnDocument.AFTER
    )
    lost = await db.s.find_one_and_update({"_id": 0, "status": "draft"}, {"$set": {"status": "rejected"}})
    assert won["status"] == "approved" and lost is None
    result = await db.s.update_many({"p": "x", "status": "draft"}, {"$set": {"status": "superseded"}})
    assert result.modified_count == 2


async def test_queries_sorts_increments_and_aggregates(db):
    await db.m.insert_many([{"_id": i, "p": "x" if i < 4 else "y", "rating": i + 1, "n": 0} for i in range(5)])
    got = await db.m.find({"_id": {"$in": [3, 1, 4]}, "p": "x"}).sort("rating", -1).to_list()
    assert [d["_id"] for d in got] == [3, 1]
    await db.m.update_one({"_id": 0}, {"$inc": {"n": 2}, "$push": {"log": "a"}})
    assert (await db.m.find_one({"_id": 0}))["n"] == 2
    rows = await (
        await db.m.aggregate(
            [
                {"$match": {"p": "x"}},
                {"$group": {"_id": "$p", "mean": {"$avg": "$rating"}, "count": {"$sum": 1}}},
                {"$sort": {"_id": 1}},
            ]
        )
    ).to_list()
    assert rows == [{"_id": "x", "mean": 2.5, "count": 4}]
    assert await db.m.count_documents({"rating": {"$gte": 3}}) == 3


async def test_datetimes_written_by_set_read_back_as_the_same_instant(db):
    """nx-27017 returns a ``$set`` top-level datetime as a naive string; ``restore_datetimes`` evens it out."""
    when = datetime(2026, 9, 1, 16, 30, 15, 123000, tzinfo=UTC)
    await db.d.insert_one({"_id": "x", "status": "draft"})
    moved = await db.d.find_one_and_update({"_id": "x"}, {"$set": {"decided_at": when}}, return_document=ReturnDocument.AFTER)
    assert restore_datetimes(moved, ("decided_at",))["decided_at"] == when
    assert restore_datetimes(await db.d.find_one({"_id": "x"}), ("decided_at",))["decided_at"] == when


async def test_booleans_written_by_set_read_back_as_booleans(db):
    """nx-27017 returns a ``$set`` top-level boolean as 0/1; ``restore_bools`` evens it out (queries match either way)."""
    await db.b.insert_one({"_id": "x", "kept": True})
    await db.b.update_one({"_id": "x"}, {"$set": {"on": True, "off": False, "nested": {"flag": True}}})
    doc = restore_bools(await db.b.find_one({"_id": "x"}), ("kept", "on", "off"))
    assert (doc["kept"], doc["on"], doc["off"], doc["nested"]["flag"]) == (True, True, False, True)
    assert all(type(doc[k]) is bool for k in ("kept", "on", "off"))
    assert await db.b.count_documents({"on": True}) == 1
