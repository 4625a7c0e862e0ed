"""The benchmarks still run (tiny sizes; the figures themselves are not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_outbox_benchmark_runs_and_prints_its_three_figures():
    result = subprocess.run(
        [sys.executable, "-m", "bench.outbox", "--events", "5", "--rounds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for line in ("bare JetStream publish", "outbox, one event a call", "outbox, 50 a call"):
        assert line in result.stdout
