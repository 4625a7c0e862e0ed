"""Group commit: concurrent submissions are written together; a failing one fails alone."""

from __future__ import annotations

import asyncio

import pytest

from services.metrics.batching import GroupCommit


async def test_concurrent_items_are_written_in_few_batches():
    batches: list[list[int]] = []

    async def write(items: list[int]) -> None:
        batches.append(items)
        await asyncio.sleep(0.01)

    commit = GroupCommit(write, max_items=50)
    await asyncio.gather(*(commit.submit(i) for i in range(120)))
    assert sorted(i for b in batches for i in b) == list(range(120))
    assert len(batches) <= 4 and max(len(b) for b in batches) <= 50
    await commit.stop()


async def test_only_the_failing_item_raises():
    written: list[int] = []

    async def write(items: list[int]) -> None:
        if 13 in items:
            raise ValueError("bad item")
        written.extend(items)

    commit = GroupCommit(write, max_items=100)
    results = await asyncio.gather(*(commit.submit(i) for i in range(20)), return_exceptions=True)
    assert [i for i, r in enumerate(results) if isinstance(r, ValueError)] == [13]
    assert sorted(written) == [i for i in range(20) if i != 13]
    await commit.stop()


async def test_stop_cancels_waiters():
    started = asyncio.Event()

    async def write(items: list[int]) -> None:
        started.set()
        await asyncio.sleep(10)

    commit = GroupCommit(write, max_items=10)
    waiter = asyncio.create_task(commit.submit(1))
    await started.wait()
    await commit.stop()
    with pytest.raises(asyncio.CancelledError):
        await waiter
