"""Done when: generated event sequences (shuffled, duplicated, re-emitted) give every figure the oracle computes.

The projection under test is the service's own code on an in-memory store (``twin``); the oracle
(``oracle``, ``oracle_figures``) decides each entity from its raw events, written separately from the
definitions. Every summary (program, district, school, state) and every weekly series is compared whole.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.metrics.summary import Query
from tests.unit.metrics import oracle, oracle_figures
from tests.unit.metrics.twin import Twin
from tests.unit.metrics.worlds import T0, deliver, world


def assert_same(got: Any, expected: Any, path: str = "") -> None:
    """Equal, floats within 1e-9; the message names the first differing figure."""
    if isinstance(expected, dict) and isinstance(got, dict):
        assert set(got) == set(expected), f"{path}: keys {sorted(set(got) ^ set(expected))} differ"
        for key in expected:
            assert_same(got[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list) and isinstance(got, list):
        assert len(got) == len(expected), f"{path}: {len(got)} rows, expected {len(expected)}"
        for i, (a, b) in enumerate(zip(got, expected, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(expected, float) and isinstance(got, int | float) and not isinstance(got, bool):
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9), f"{path}: {got} != {expected}"
    else:
        assert got == expected, f"{path}: {got!r} != {expected!r}"


@given(
    seed=st.integers(0, 2**32),
    districts=st.integers(1, 3),
    programs=st.integers(1, 4),
    people=st.integers(1, 9),
    days=st.integers(0, 150),
    term=st.sampled_from(["2024-25", "2025-26"]),
    k=st.integers(1, 6),
)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_figure_equals_the_oracle(seed, districts, programs, people, days, term, k):
    rng = random.Random(seed)
    events = world(rng, districts, programs, people)
    delivered = deliver(rng, events)
    twin = Twin()
    twin.consume(delivered, rng)
    as_of = T0 + timedelta(days=days, hours=7)
    got = twin.summaries(Query(as_of=as_of, term=term, k=k))
    expected = oracle_figures.summaries(oracle.decide(delivered), as_of, term, k)
    assert_same(got, expected)


@given(seed=st.integers(0, 2**32))
@settings(max_examples=40, deadline=None)
def test_any_order_and_any_duplicates_give_the_same_documents(seed):
    rng = random.Random(seed)
    events = world(rng, 2, 3, 6)
    first, second = Twin(), Twin()
    first.consume(deliver(rng, events), rng)
    second.consume(deliver(rng, events), rng)
    assert without_seen(first.docs) == without_seen(second.docs)


def without_seen(docs: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Re-emitted facts come with new envelope ids, which a document remembers: everything else must be equal."""
    return {c: {k: {f: v for f, v in d.items() if f != "seen"} for k, d in by_key.items()} for c, by_key in docs.items()}
