"""Periodic jobs start a period apart; one that overruns is followed at once by the next, never by a burst."""

from __future__ import annotations

import asyncio
import contextlib

from shared.service import ServiceRuntime
from shared.settings import ServiceSettings


async def test_runs_start_a_period_apart_and_an_overrun_is_not_caught_up():
    runtime = ServiceRuntime("periodic", ServiceSettings(nats_url="nats://127.0.0.1:1", mongodb_url="mongodb://127.0.0.1:1"), [])
    loop = asyncio.get_running_loop()
    starts: list[float] = []

    async def job() -> None:
        starts.append(loop.time())
        await asyncio.sleep(0.35 if len(starts) == 2 else 0.02)  # the second run overruns three periods

    began = loop.time()
    task = asyncio.create_task(runtime._repeat(0.1, job))
    await asyncio.sleep(0.75)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    offsets = [round(s - began, 2) for s in starts]
    # 0.1 and 0.2 a period apart (not 0.12: the job's own time is not added); then 0.55, right after the overrun
    # ended (no burst of missed runs), and a period later again.
    assert [abs(a - b) < 0.04 for a, b in zip(offsets, (0.1, 0.2, 0.55, 0.65), strict=False)] == [True] * 4, offsets
