"""The row copies a metrics process keeps: used only at the stored version, kept current by its own batches."""

from __future__ import annotations

from services.metrics.rowcache import RowCache
from services.metrics.rows import Row


def rows(*keys: tuple[str, str, int]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for collection, key, n in keys:
        out.setdefault(collection, []).append(Row(key, n, {"minutes": 10 * n} if collection == "meetings" else {}))
    return out


def counted(found: dict[str, list[Row]]) -> dict[str, dict[str, tuple[int, dict[str, int]]]]:
    return {c: {r.key: (r.n, r.sums) for r in found_rows} for c, found_rows in found.items()}


def test_a_copy_is_used_at_its_version_only():
    cache = RowCache()
    cache.keep({"p1": 4}, rows(("participants", "p1|mentee", 2), ("meetings", "p1|completed|2025-09-01", 1)))
    found, missing = cache.rows({"p1": 4})
    assert missing == [] and counted(found) == {
        "participants": {"p1|mentee": (2, {})},
        "meetings": {"p1|completed|2025-09-01": (1, {"minutes": 10})},
    }
    assert cache.rows({"p1": 5}) == ({}, ["p1"])  # another writer marked it since: read again
    assert cache.rows({"p2": 1}) == ({}, ["p2"])  # never copied


def test_own_batches_move_the_copy_and_its_version_together():
    cache = RowCache()
    cache.keep({"p1": 4, "p2": 7}, rows(("meetings", "p1|scheduled|2025-09-01", 1), ("participants", "p2|mentor", 1)))
    moved = {
        ("meetings", "p1|scheduled|2025-09-01"): Row("p1|scheduled|2025-09-01", -1, {"minutes": 0}),
        ("meetings", "p1|completed|2025-09-01"): Row("p1|completed|2025-09-01", 1, {"minutes": 45}),
    }
    cache.written({"p1": "D1"}, moved)
    found, missing = cache.rows({"p1": 5, "p2": 7})
    assert missing == []
    assert counted(found) == {
        "meetings": {"p1|completed|2025-09-01": (1, {"minutes": 45})},  # the emptied row is left out, as the store does
        "participants": {"p2|mentor": (1, {})},
    }
    assert cache.rows({"p1": 4}) == ({}, ["p1"])


def test_a_failed_batch_drops_its_programs_copies():
    cache = RowCache()
    cache.keep({"p1": 1, "p2": 1}, rows(("participants", "p1|mentee", 1), ("participants", "p2|mentee", 1)))
    cache.failed(["p1"])
    assert cache.rows({"p1": 1})[1] == ["p1"] and cache.rows({"p2": 1})[1] == []


def test_the_least_recently_used_copies_go_first():
    cache = RowCache(max_programs=2)
    cache.keep({"p1": 1, "p2": 1}, {})
    cache.rows({"p1": 1})  # p1 used: p2 is now the oldest
    cache.keep({"p3": 1}, {})
    assert cache.rows({"p1": 1, "p2": 1, "p3": 1})[1] == ["p2"]
