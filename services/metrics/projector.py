"""Write side: fold a batch of consumed events into the entity documents and their row counts, then mark their
programs dirty (their figures are recomputed from the counts, see ``recompute``)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from shared.contracts.envelope import EventData

from . import domain, lattice
from .counts import Delta, delta
from .derived import derive
from .events import Envelope
from .lattice import Change, Document
from .repository import ReadModel
from .rowcache import RowCache

MAX_CONFLICT_ROUNDS = 10
STALE_SECONDS = 30.0  # a batch begun this long ago and not finished: its writer died


@dataclass(frozen=True)
class Consumed:
    envelope: Envelope
    data: EventData | None  # None for a type the catalogue does not know


def meta(envelope: Envelope) -> domain.Meta:
    at = envelope.time if envelope.time.tzinfo else envelope.time.replace(tzinfo=UTC)
    return domain.Meta(district=envelope.district, time=at.timestamp(), event_id=envelope.id)


def fold(current: Document | None, changes: list[Change], collection: str) -> Document:
    """The stored document after ``changes`` (with its derived fields)."""
    doc = current
    for change in changes:
        doc = lattice.apply(doc, change)
    assert doc is not None
    return derive(collection, doc)


class Projector:
    def __init__(
        self,
        repo: ReadModel,
        on_counted: Callable[[list[str]], None],
        on_dirty: Callable[[dict[str, float]], None],
        cache_size: int = 50_000,
        rows: RowCache | None = None,
    ) -> None:
        self.repo = repo
        self.rows = rows  # this process's copies of row counts, kept current by its batches (see ``rowcache``)
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str], Document] = OrderedDict()  # documents as this process last stored them
        self._unsettled: dict[str, str] = {}  # programs of this writer's failed batches
        self.writer = uuid.uuid4().hex  # names this writer's batch note
        self._next_check = 0.0
        self.on_counted = on_counted  # type labels of envelopes seen for the first time
        self.on_dirty = on_dirty  # program -> earliest event time of the batch (for the lag histogram)

    async def apply(self, batch: list[Consumed]) -> None:
        """Fold every change into its document and its row counts; idempotent, and safe with other writers."""
        by_doc: dict[tuple[str, str], list[Change]] = defaultdict(list)
        programs: dict[str, str] = {}
        earliest: dict[str, float] = {}
        owners: dict[str, tuple[tuple[str, str], str]] = {}  # envelope id -> (its own document, type label)
        unknown: list[tuple[str, str, str]] = []
        for item in batch:
            envelope = item.envelope
            if item.data is None:
                unknown.append((envelope.id, envelope.type_label, envelope.district))
                continue
            event = meta(envelope)
            changes = domain.project(event, item.data)
            for change in changes:
                by_doc[(change.collection, change.key)].append(change)
            owners[envelope.id] = (domain.own_document(changes), envelope.type_label)
            program = item.data.program_id  # type: ignore[attr-defined]
            programs[program] = envelope.district
            earliest[program] = min(earliest.get(program, event.time), event.time)
        await self.settle()
        if self.rows is None:
            await self._write(programs, by_doc, owners, unknown)
        else:
            async with self.rows.lock:  # no copy of row counts is taken while they and the marks disagree
                try:
                    deltas = await self._write(programs, by_doc, owners, unknown)
                except BaseException:
                    self.rows.failed(programs)
                    raise
                self.rows.written(programs, deltas)
        self.on_dirty(earliest)

    async def _write(
        self,
        programs: dict[str, str],
        by_doc: dict[tuple[str, str], list[Change]],
        owners: dict[str, tuple[tuple[str, str], str]],
        unknown: list[tuple[str, str, str]],
    ) -> Delta:
        """The batch's documents, then their row counts, then the programs' dirty marks; returns the count changes."""
        await self.repo.begin(self.writer, programs)
        try:
            deltas: Delta = {}
            replaced: dict[tuple[str, str], Document | None] = {}  # documents written: the version they replaced
            collections: dict[str, dict[str, list[Change]]] = defaultdict(dict)
            for (collection, key), changes in by_doc.items():
                collections[collection][key] = changes
            # Collections are independent: their writes go out together (fewer round trips one after the other).
            await asyncio.gather(*(self._store(c, changes, deltas, replaced) for c, changes in collections.items()))
            # An envelope is new when its own document was written and did not remember it before.
            counted = Counter(
                label
                for event_id, (doc, label) in owners.items()
                if doc in replaced and event_id not in ((replaced[doc] or {}).get("seen") or ())
            )
            _, unknown_new = await asyncio.gather(self.repo.counts.add(deltas), self.repo.record_unknown(unknown))
            counted.update(unknown_new)
            await self.repo.count_consumed(counted)
        except Exception:
            self._unsettled.update(programs)  # counted again from the documents before the next write
            raise
        self.on_counted(list(counted.elements()))
        # Always marked, even when nothing changed: a crash after the writes but before this line left no mark.
        await self.repo.mark_dirty(programs, self.writer)
        return deltas

    async def settle(self, older_than: float = STALE_SECONDS) -> None:
        """Count again from their documents the rows of programs whose counts may have missed a write: this writer's
        failed batches, and (checked now and then) batches another writer began long ago and never finished."""
        pending, notes = dict(self._unsettled), {}
        if time.monotonic() >= self._next_check:
            self._next_check = time.monotonic() + older_than
            notes = await self.repo.unsettled(older_than)
            for programs in notes.values():
                pending.update(programs)
        if pending:
            await self.repo.counts.reconcile(pending)
            await self.repo.mark_dirty(pending)
            await self.repo.forget(notes)
            self._unsettled.clear()

    async def _store(
        self,
        collection: str,
        changes_by_key: dict[str, list[Change]],
        deltas: Delta,
        replaced: dict[tuple[str, str], Document | None],
    ) -> None:
        keys, unread = set(changes_by_key), set[str]()
        for _ in range(MAX_CONFLICT_ROUNDS):
            # Documents not in the cache are assumed new (most are); an insert that finds one is a conflict, read next round.
            current = {k: self._cache[(collection, k)] for k in keys if (collection, k) in self._cache}
            current |= await self.repo.load(collection, unread) if unread else {}
            writes = []
            for key in keys:
                before = current.get(key)
                after = fold(before, changes_by_key[key], collection)
                if before is None or _content(after) != _content(before):
                    writes.append((before, after))
                else:
                    self._remember(collection, before)
            keys, stored = await self.repo.store(collection, writes)
            read = {after["_id"]: before for before, after in writes}
            for doc in stored:
                self._remember(collection, doc)
                delta(collection, read[doc["_id"]], doc, deltas)
                replaced[(collection, str(doc["_id"]))] = read[doc["_id"]]
            for key in keys:  # another writer changed it (or it existed): read it again
                self._cache.pop((collection, key), None)
            unread = keys
            if not keys:
                return
        raise RuntimeError(f"{collection}: documents kept changing under this writer: {sorted(keys)[:5]}")

    def _remember(self, collection: str, doc: Document) -> None:
        """Keep the document as stored, so the next change to it needs no read (the version check still guards it)."""
        key = (collection, str(doc["_id"]))
        self._cache[key] = doc
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


def _content(doc: Document) -> Document:
    return {k: v for k, v in doc.items() if k not in ("v", "w")}
