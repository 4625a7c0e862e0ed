"""Business gauges: district labels capped (the rest summed into ``_other``), suppressed figures without a sample."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from services.metrics.cells import Cell
from services.metrics.metrics import OTHER, ReadModelMetrics
from services.metrics.summary import Query, figures

QUERY = Query(as_of=datetime(2025, 10, 1, tzinfo=UTC), term="2025-26", k=5)


def samples(registry: CollectorRegistry, name: str) -> dict[str, float]:
    return {s.labels["district"]: s.value for f in registry.collect() if f.name == name for s in f.samples}


def test_only_the_first_districts_get_a_label_and_suppressed_figures_have_no_sample():
    registry = CollectorRegistry()
    metrics = ReadModelMetrics(registry, gauge_districts=2)
    named, rest = metrics.exported(["D3", "D1", "D2", "D4"])
    assert (named, rest) == (["D1", "D2"], ["D3", "D4"])
    few = Cell(roles={"mentee": 2}, matched=1, ratings={"4": 2})
    many = Cell(roles={"mentee": 4}, matched=4, ratings={"5": 6})
    metrics.show({"D1": figures(few, QUERY), "D2": figures(many, QUERY), OTHER: figures(Cell().add(few).add(many), QUERY)})
    assert samples(registry, "mentoring_match_rate") == {"D1": 0.5, "D2": 1.0, OTHER: 5 / 6}
    assert samples(registry, "mentoring_satisfaction_mean") == {"D2": 5.0, OTHER: (8 + 30) / 8}  # D1: 2 answers < k
    metrics.show({"D1": figures(many, QUERY)})  # D2 and _other no longer exported: their samples go
    assert samples(registry, "mentoring_enrolled_participants") == {"D1": 4}
