"""The metrics benchmark runs at tiny sizes and its two measures print; its event mix has the promised shape."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.metrics_data import mix
from shared.contracts.catalogue import EVENTS

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_runs_in_seconds_and_both_measures_agree():
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bench.metrics", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert time.monotonic() - start < 60
    out = result.stdout
    assert "read-model lag at 100 events/s" in out and "metrics service (group commit" in out
    assert "state summary from district cells" in out and "reference: $group over every document" in out
    assert "figures equal: OK" in out


def test_the_mix_follows_relationships_through_their_life():
    events = mix(5000)
    assert len(events) == 5000
    by_domain = Counter(type(data).kind.domain.value for _, data in events)
    assert {d for d, _ in by_domain.most_common(2)} == {"notification", "scheduling"}  # meetings and their messages
    assert min(by_domain.values()) > 0.1 * len(events)
    assert len({type(data) for _, data in events}) >= len(EVENTS) // 2
    assert len({district for district, _ in events}) == 20
