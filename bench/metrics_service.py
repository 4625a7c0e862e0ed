"""The metrics service with a different JetStream pull (``BENCH_PULL_BATCH`` messages, ``BENCH_PULL_TIMEOUT`` s):
the benchmark's what-if for a change to ``shared.messaging.broker`` (which every service uses: 16 messages, 2 s)."""

from __future__ import annotations

import os

from faststream.nats import PullSub

import shared.messaging.broker as broker


def _pull(batch_size: int, timeout: float) -> PullSub:
    return PullSub(
        batch_size=int(os.environ.get("BENCH_PULL_BATCH", batch_size)),
        timeout=float(os.environ.get("BENCH_PULL_TIMEOUT", timeout)),
    )


broker.PullSub = _pull  # type: ignore[assignment,misc]

from services.metrics.cli import cli  # noqa: E402 - after the patch

cli(prog_name="python -m bench.metrics_service")
