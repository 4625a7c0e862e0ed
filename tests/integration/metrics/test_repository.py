"""The read model on the real store behaves exactly like its in-memory twin: same documents in any order, same counts."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid

import pytest
from pymongo import AsyncMongoClient

from services.metrics.events import Envelope
from services.metrics.projector import Consumed, Projector
from services.metrics.repository import ReadModel
from shared.contracts.envelope import EventData, make_event
from tests.unit.metrics.samples import (
    APPROVED,
    COMPLETED,
    ENDED,
    FAILED,
    ISSUED,
    MISSED,
    NOW,
    PROPOSED,
    SCHEDULED,
    SENT,
    STARTED,
    SUBMITTED,
    D,
    replay,
)
from tests.unit.metrics.twin import Twin
from tests.unit.metrics.worlds import deliver, world

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


def consumed(*events: EventData) -> list[Consumed]:
    out = []
    for data in events:
        envelope = make_event(data, district=D, subject="x", time=NOW)
        out.append(Consumed(Envelope.model_validate(envelope.model_dump(mode="json")), data))
    return out


def projector(model: ReadModel) -> Projector:
    return Projector(model, lambda _: None, lambda _: None)


def without_version(doc: dict | None) -> dict | None:
    """The document without its storage bookkeeping and the envelope ids it remembers (they differ between the runs)."""
    return None if doc is None else {k: v for k, v in doc.items() if k not in ("v", "w", "seen")}


@pytest.mark.parametrize("key", list(GROUPS), ids=lambda k: k[0])
async def test_every_order_and_duplicate_gives_the_pure_result(read_model, key):
    collection, doc_id = key
    for order in itertools.permutations(GROUPS[key]):
        await read_model.db[collection].delete_many({})
        for data in (*order, *order):  # every event twice, one batch each
            await projector(read_model).apply(consumed(data))
        stored = await read_model.db[collection].find_one({"_id": doc_id})
        assert without_version(stored) == without_version(replay(*order)[key]), [type(e).__name__ for e in order]


async def test_concurrent_writers_merge_instead_of_losing_a_change(read_model):
    """Two replicas write the same meeting at once: the version check turns the race into a merge."""
    meetings = read_model.db["meetings"]
    for _ in range(10):
        await meetings.delete_many({})
        await asyncio.gather(projector(read_model).apply(consumed(SCHEDULED)), projector(read_model).apply(consumed(COMPLETED)))
        stored = await meetings.find_one({"_id": "mt1"})
        assert stored is not None and (stored["status"], stored["minutes"], stored["week"]) == ("completed", 60, "2025-09-01")


async def test_the_store_counts_documents_as_the_twin_does(read_model):
    rng = random.Random(5)
    delivered = deliver(rng, world(rng, districts=2, programs=3, people=8))
    twin = Twin()
    twin.consume(delivered, rng)
    batch = [Consumed(Envelope.model_validate(e.model_dump(mode="json")), e.data) for e in delivered]
    for i in range(0, len(batch), 40):
        await projector(read_model).apply(batch[i : i + 40])
    programs = sorted(twin.docs["programs"])
    stored = await read_model.counts.rows(programs)
    counted = await read_model.counts.counted(programs)
    expected = {name: {r.key: (r.n, r.sums) for r in rows} for name, rows in twin.rows().items()}
    assert {name: {r.key: (r.n, r.sums) for r in rows} for name, rows in stored.items()} == expected  # kept write by write
    assert {name: {r.key: (r.n, r.sums) for r in rows} for name, rows in counted.items()} == expected  # counted afresh
    await read_model.counts.collection.update_one({}, {"$inc": {"n": 5}})  # damaged counts...
    await read_model.counts.reconcile(programs)  # ...are counted again from the documents
    assert {
        name: {r.key: (r.n, r.sums) for r in rows} for name, rows in (await read_model.counts.rows(programs)).items()
    } == expected
    for district in twin.districts():
        ours, theirs = await read_model.district_rows(district), twin.district_rows(district)
        assert sorted((r.key, r.n, r.sums["minutes"], r.low, r.high) for r in ours.meetings) == sorted(
            (r.key, r.n, r.sums["minutes"], r.low, r.high) for r in theirs.meetings
        )
        assert sorted((r.key, r.n) for r in ours.surveys) == sorted((r.key, r.n) for r in theirs.surveys)
        assert sorted(p["g"] for p in ours.participants) == sorted(p["g"] for p in theirs.participants)


def rows_of(rows: dict) -> dict:
    return {name: {r.key: (r.n, r.sums) for r in found if r.n} for name, found in rows.items() if found}


async def test_counts_missed_by_a_failed_or_dead_writer_are_counted_again(read_model, monkeypatch):
    rng = random.Random(9)
    delivered = deliver(rng, world(rng, districts=1, programs=2, people=6))
    batch = [Consumed(Envelope.model_validate(e.model_dump(mode="json")), e.data) for e in delivered]
    twin = Twin()
    twin.consume(delivered, rng)
    programs = sorted(twin.docs["programs"])
    writer = projector(read_model)
    real_add = read_model.counts.add

    async def lost(_: object) -> None:
        raise ConnectionError("the store went away between the documents and their counts")

    monkeypatch.setattr(read_model.counts, "add", lost)
    with pytest.raises(ConnectionError):
        await writer.apply(batch[:30])  # documents written, counts not
    monkeypatch.setattr(read_model.counts, "add", real_add)
    await writer.apply(batch[30:])  # this writer counts its failed batch's programs again first
    assert rows_of(await read_model.counts.rows(programs)) == rows_of(twin.rows())

    monkeypatch.setattr(read_model.counts, "add", lost)
    with pytest.raises(ConnectionError):
        await projector(read_model).apply(batch[:10])  # ...and this writer dies: only its note is left
    monkeypatch.setattr(read_model.counts, "add", real_add)
    (note,) = (await read_model.unsettled(0.0)).values()
    damaged = {"program_id": {"$in": list(note)}}
    await read_model.counts.collection.update_many(damaged, {"$inc": {"n": 1}})  # (what its lost counts might have done)
    await projector(read_model).settle(older_than=0.0)  # a new process, at start-up
    assert rows_of(await read_model.counts.rows(programs)) == rows_of(twin.rows())
    assert not await read_model.unsettled(0.0)


async def test_two_replicas_recomputing_from_their_row_copies_agree_with_the_store(read_model):
    """Each replica recomputes from its own copies, which the other's batches make stale: every cell stored
    is the one the store's rows give, after any interleaving of batches and recomputes."""
    from services.metrics.cells import program_cells
    from services.metrics.rebuild import projection_on

    rng = random.Random(11)
    delivered = deliver(rng, world(rng, districts=2, programs=3, people=8))
    batch = [Consumed(Envelope.model_validate(e.model_dump(mode="json")), e.data) for e in delivered]
    replicas = [projection_on(read_model.db, 3), projection_on(read_model.db, 3)]
    read_from_store, recomputed = [], 0
    for replica in replicas:
        rows = replica.repo.counts.rows

        async def counting(programs: list[str], rows=rows) -> dict:
            read_from_store.extend(programs)
            return await rows(programs)

        replica.repo.counts.rows = counting  # type: ignore[method-assign]
    for i in range(0, len(batch), 25):
        writer, other = rng.sample(replicas, 2)
        _, done = await asyncio.gather(writer.projector.apply(batch[i : i + 25]), other.recomputer.cycle())
        recomputed += done + await rng.choice(replicas).recomputer.cycle()
    for replica in replicas:
        while done := await replica.recomputer.cycle():
            recomputed += done
    programs = sorted({str(d["_id"]) for d in await read_model.db["programs"].find({}, {"_id": 1}).to_list()})
    expected = program_cells(programs, await read_model.counts.rows(programs))
    for program in programs:
        assert await read_model.cell(f"program:{program}") == expected[program][0], program
    assert len(read_from_store) < recomputed  # some recomputes used a copy instead of reading the store
