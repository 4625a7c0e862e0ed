"""Group commit: concurrent handlers hand in their events and wait; one task writes them together.

The store takes a few thousand documents a second in bulk but only several hundred one by one, so the
events of every handler running at the same moment (each stream's handler brings the batch of its pull)
are written in one go. After a write the task lingers a few milliseconds, so the consumers it released
can hand in their next messages. A handler returns (and its message is acknowledged) only once its
event is stored; if a batch fails, its events are retried one by one, so only the failing one is
redelivered (``submit_many`` tells each item's outcome).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(self, write: Callable[[list[T]], Awaitable[None]], max_items: int, linger: float = 0.0) -> None:
        self.write = write
        self.max_items = max_items
        self.linger = linger  # after a write, wait this long for the handlers it released to hand in their next events
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._writing: list[tuple[T, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        """Return once ``item`` is written; raise what writing it raised."""
        (error,) = await self.submit_many([item])
        if error is not None:
            raise error

    async def submit_many(self, items: list[T]) -> list[BaseException | None]:
        """Return once every item is written or failed: for each, what writing it raised (None when written)."""
        if not items:
            return []
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[None]] = [loop.create_future() for _ in items]
        self._pending.extend(zip(items, futures, strict=True))
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        await asyncio.wait(futures)
        return [asyncio.CancelledError() if f.cancelled() else f.exception() for f in futures]

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for _, future in self._pending + self._writing:
            future.cancel()
        self._pending.clear()
        self._writing.clear()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                self._writing, self._pending = self._pending[: self.max_items], self._pending[self.max_items :]
                await self._write(self._writing)
                self._writing = []
                if self.linger and len(self._pending) < self.max_items:
                    await asyncio.sleep(self.linger)

    async def _write(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        try:
            await self.write([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            for one in batch:  # find the culprit: the others still succeed
                await self._write([one])
            return
        for _, future in batch:
            _settle(future, None)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
