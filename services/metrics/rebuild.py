"""Rebuild: replay every stream from its first message into a fresh read model, then compare it with the live one.

Messages are read by sequence (``STREAM.MSG.GET``, which the metrics NATS user may do on the streams it
consumes), so the replay needs no consumer of its own and leaves the live service's durables alone. The
rebuilt model goes through the same projection as the live one; a message the live service
dead-lettered (invalid payload) is skipped here too, and a type the catalogue does not know is counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.js.errors import NotFoundError
from prometheus_client import CollectorRegistry
from pydantic import ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.subjects import STREAMS, Domain
from shared.messaging.broker import inbox_prefix
from shared.storage.mongo import Document, make_client

from . import schema
from .events import Envelope, decode
from .metrics import ReadModelMetrics
from .projector import Consumed, Projector
from .recompute import Recomputer
from .repository import ReadModel
from .summary import Query
from .workflow import Projection

WINDOW = 128  # messages requested at once
BATCH = 512  # events projected together


@dataclass
class Replayed:
    messages: dict[str, int] = field(default_factory=dict)  # stream -> messages read
    invalid: int = 0


async def _messages(js: Any, stream: str) -> AsyncIterator[bytes]:
    try:
        info = await js.stream_info(stream)
    except NotFoundError:
        return
    first, last = info.state.first_seq, info.state.last_seq
    for start in range(first, last + 1, WINDOW):
        seqs = range(start, min(start + WINDOW, last + 1))
        results = await asyncio.gather(*(js.get_msg(stream, seq) for seq in seqs), return_exceptions=True)
        for result in results:
            if isinstance(result, NotFoundError):
                continue  # deleted from the stream
            if isinstance(result, BaseException):
                raise result
            yield result.data or b""


async def replay(nats_url: str, db: AsyncDatabase[Document]) -> Replayed:
    """Project every message of the four streams into ``db`` and recompute its figures."""
    await schema.ensure(db)
    repo = ReadModel(db)
    await repo.ensure_indexes()
    projector = Projector(repo, lambda _: None, lambda _: None)
    done = Replayed()
    nc = await nats.connect(nats_url, inbox_prefix=inbox_prefix("metrics"), name="mentoring-metrics-rebuild")
    try:
        js = nc.jetstream()
        batch: list[Consumed] = []
        for domain in Domain:
            stream = STREAMS[domain].name
            done.messages[stream] = 0
            async for body in _messages(js, stream):
                done.messages[stream] += 1
                try:
                    envelope = Envelope.model_validate_json(body)
                    batch.append(Consumed(envelope, decode(envelope)))
                except ValidationError:
                    done.invalid += 1  # the live service dead-lettered it
                if len(batch) >= BATCH:
                    await projector.apply(batch)
                    batch = []
        if batch:
            await projector.apply(batch)
    finally:
        await nc.close()
    await Recomputer(repo).until_clean()
    return done


async def rebuild_if_stale(nats_url: str, mongo_url: str, database: str) -> bool:
    """Replay every stream into ``database`` in place when it holds a read model of an older schema; True if it did.

    Only while no metrics service runs (``make run`` calls it before starting one): its durables then resume after
    the last event the old service took, and whatever the replay saw twice is folded in once.
    """
    client = make_client(mongo_url)
    try:
        if await schema.stored_version(client[database]) in (None, schema.SCHEMA_VERSION):
            return False
        await client.drop_database(database)
        await replay(nats_url, client[database])
        return True
    finally:
        await client.close()


def projection_on(db: AsyncDatabase[Document], k: int) -> Projection:
    """A read-only view of a read model (its own registry: nothing is exported)."""
    return Projection(ReadModel(db), ReadModelMetrics(CollectorRegistry()), k=k)


async def all_summaries(projection: Projection, query: Query) -> dict[str, dict[str, Any]]:
    """The state, every district and every program, as JSON, keyed ``state``, ``district:<id>``, ``program:<id>``."""
    out = {"state": (await projection.state_summary(query)).model_dump(mode="json")}
    for district in await projection.district_summaries(query):
        out[f"district:{district.district}"] = district.model_dump(mode="json")
        for program in await projection.program_summaries(district.district, query):
            out[f"program:{program.program_id}"] = program.model_dump(mode="json")
    return out


def differences(live: dict[str, Any], rebuilt: dict[str, Any], prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(figure, live, rebuilt) for every figure that differs, nested figures named with dots."""
    out = []
    for key in sorted(set(live) | set(rebuilt)):
        a, b = live.get(key), rebuilt.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += differences(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append((f"{prefix}{key}", a, b))
    return out
