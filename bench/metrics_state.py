"""The state-summary half of ``bench.metrics``: a read model of many relationships, its state summary timed
next to a plain ``$group`` over every document (both must give equal figures)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.metrics_data import state_documents
from devstack.servers import start_nx


async def _summary(relationships: int, runs: int, mongo_url: str) -> dict[str, Any]:
    from pymongo import AsyncMongoClient

    from services.metrics.cells import Cell, program_cells
    from services.metrics.rebuild import projection_on
    from services.metrics.recompute import Recomputer
    from services.metrics.summary import Figures, figures

    client: AsyncMongoClient[Any] = AsyncMongoClient(mongo_url, tz_aware=True)
    db = client["bench_state"]
    projection = projection_on(db, 5)
    repo = projection.repo
    await repo.ensure_indexes()
    start = time.perf_counter()
    programs: dict[str, str] = {}
    async for collection, docs, new_programs in state_documents(relationships):
        if docs:
            await db[collection].insert_many(docs, ordered=False)
        programs.update(new_programs)
    built = time.perf_counter() - start
    start = time.perf_counter()
    await repo.counts.reconcile(programs)  # the documents were inserted directly: count their rows once
    await repo.mark_dirty(programs)
    await Recomputer(repo).until_clean()
    recomputed = time.perf_counter() - start
    query = projection.query(None, "2025-26")
    timed, summary = [], None
    for _ in range(runs):
        start = time.perf_counter()
        summary = await projection.state_summary(query)
        timed.append(time.perf_counter() - start)
    reference, total = [], Cell()
    for _ in range(max(1, min(3, runs))):
        start = time.perf_counter()
        cells = program_cells(sorted(programs), await repo.counts.counted(None))
        total = Cell()
        for cell, _ in cells.values():
            total.add(cell)
        answer = figures(total, query)
        reference.append(time.perf_counter() - start)
    counts = {
        name: await db[name].estimated_document_count() for name in ("participants", "relationships", "meetings", "surveys")
    }
    await client.close()
    assert summary is not None
    same = Figures.model_validate(summary.model_dump(include=set(Figures.model_fields))) == answer
    return {
        "built": built,
        "recomputed": recomputed,
        "timed": timed,
        "reference": reference,
        "counts": counts,
        "same": same,
        "summary": summary,
    }


def summary_run(relationships: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        nx_proc = start_nx(Path(tmp) / "nx", Path(tmp) / "nx.log")
        try:
            return asyncio.run(_summary(relationships, runs, nx_proc.url))
        finally:
            nx_proc.stop()


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:>7.1f}ms {min(values) * 1000:>7.1f}-{max(values) * 1000:.1f}ms"


def print_summary(r: dict[str, Any], relationships: int) -> None:
    counts = ", ".join(f"{n:,} {name}" for name, n in r["counts"].items())
    print(f"\nstate summary over {relationships:,} relationships ({counts}; built in {r['built']:.0f} s)")
    print(f"  rows counted and cells computed from every document once: {r['recomputed']:.2f} s")
    print(f"  {'':<44} {'median':>9} {'min-max':>17}  target")
    verdict = "met" if statistics.median(r["timed"]) <= 0.2 else "missed"
    print(f"  {'state summary from district cells':<44} {_ms(r['timed'])}  ≤ 200 ms ({verdict})")
    print(f"  {'reference: $group over every document':<44} {_ms(r['reference'])}")
    summary = r["summary"]
    same, active = "OK" if r["same"] else "MISMATCH", summary.active_relationships
    print(f"  figures equal: {same}; match rate {summary.match_rate:.3f}, {active:,} active")
