"""The metrics read model under load: lag at a sustained event rate, and a state summary over 100,000 relationships.

Run: ``.venv/bin/python -m bench.metrics [--rate 1000 --seconds 20 --relationships 100000 --runs 7] [--quick]``.
Starts its own nats-server and nx-27017 on free loopback ports, and the real service as its own process.

1. Lag: a realistic mix of every producer's events (enrolments, matches, meetings with reminders and
   outcomes, notifications, surveys, at-risk warnings...) published on JetStream at ``--rate`` events/s
   for ``--seconds``; every 100 ms a probe event (time = now) joins a probe program, taking turns through
   the four producers' streams (an enrolment, a meeting, a notification, a survey: ``metrics_probes``),
   and the probe program's summary is polled over HTTP every 20 ms. A probe's lag is the time from its
   event time to the first summary that counts it; it is shown overall and per stream. Side by side
   with a reference run of the same service without group commit and without debounce
   (``METRICS_BATCH_MAX_EVENTS=1``, ``METRICS_RECOMPUTE_SECONDS=0.001``: every event written alone,
   figures recomputed as often as possible).
2. State summary: a read model of ``--relationships`` relationships (100 per program, 10 programs per
   district; two meetings and a survey each) is built through the projection, its cells recomputed,
   then the state summary is timed (median of ``--runs``) next to a straightforward aggregation: the
   same ``$group`` counts over every document at query time, no cells. Both must give equal figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import nats

from bench.metrics_data import mix
from bench.metrics_probes import PROBE_DISTRICT, PROBE_PROGRAM, PROBES
from bench.metrics_state import print_summary, summary_run
from devstack.keys import ensure_dev_keys, mint
from devstack.servers import start_nats, start_nx, start_service
from shared.auth.principal import Role
from shared.contracts.envelope import make_event

REFERENCE = {"METRICS_BATCH_MAX_EVENTS": "1", "METRICS_RECOMPUTE_SECONDS": "0.001", "METRICS_BATCH_LINGER_SECONDS": "0"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _load(url: str, nats_url: str, token: str, rate: int, seconds: float, drain: float) -> dict[str, Any]:
    events = mix(int(rate * seconds))
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    sent: list[tuple[int, float]] = []  # (kind, event time) of each probe, in order
    by_kind: list[list[int]] = [[] for _ in PROBES]  # the probes of each kind (indexes into ``sent``)
    seen_at: dict[int, float] = {}
    done, caught_up = asyncio.Event(), asyncio.Event()
    finished = False  # the load is over

    async def poll(http: httpx.AsyncClient) -> None:
        while not done.is_set():
            response = await http.get(f"/programs/{PROBE_PROGRAM}/summary")
            now = time.time()
            if response.status_code == 200:
                summary = response.json()
                for kind, probe in enumerate(PROBES):
                    for i in by_kind[kind][: probe.counted(summary)]:
                        seen_at.setdefault(i, now)
                if finished and len(seen_at) == len(sent):
                    caught_up.set()
            await asyncio.sleep(0.02)

    async def probe() -> None:
        kind = len(sent) % len(PROBES)
        env = make_event(PROBES[kind].event(len(by_kind[kind])), district=PROBE_DISTRICT, subject=PROBE_PROGRAM)
        by_kind[kind].append(len(sent))
        sent.append((kind, env.time.timestamp()))
        await js.publish(env.nats_subject, env.model_dump_json().encode(), headers={"Nats-Msg-Id": env.id})

    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        poller = asyncio.create_task(poll(http))
        start, published, next_probe = time.monotonic(), 0, 0.0
        while (elapsed := time.monotonic() - start) < seconds:
            due = min(len(events), int(elapsed * rate)) - published
            batch = [make_event(data, district=d, subject="bench") for d, data in events[published : published + due]]
            await asyncio.gather(
                *(js.publish(e.nats_subject, e.model_dump_json().encode(), headers={"Nats-Msg-Id": e.id}) for e in batch)
            )
            published += due
            if elapsed >= next_probe:
                await probe()
                next_probe += 0.1
            await asyncio.sleep(0.005)
        achieved = published / (time.monotonic() - start)
        load_end, finished = time.time(), True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(caught_up.wait(), drain)
        done.set()
        await poller
        histogram = (await http.get("/metrics")).text
    await nc.close()
    lags = [seen_at[i] - at for i, (_, at) in enumerate(sent) if i in seen_at]
    streams = {
        probe.stream: [seen_at[i] - sent[i][1] for i in by_kind[kind] if i in seen_at] for kind, probe in enumerate(PROBES)
    }
    drained = max(seen_at.values()) - load_end if len(seen_at) == len(sent) and seen_at else None
    return {
        "published": published,
        "rate": achieved,
        "probes": len(sent),
        "seen": len(seen_at),
        "lags": lags,
        "streams": streams,
        "drained": drained,
        "text": histogram,
    }


def _share_within(text: str, bound: float) -> float | None:
    """Of the service's own lag histogram: the share of events shown within ``bound`` seconds."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        if family.name == "mentoring_read_model_lag_seconds":
            buckets = {float(s.labels["le"]): s.value for s in family.samples if s.name.endswith("_bucket")}
            total = buckets.get(float("inf"), 0)
            return buckets.get(bound, 0) / total if total else None
    return None


def lag_run(label: str, extra_env: dict[str, str], rate: int, seconds: float, drain: float) -> dict[str, Any]:
    """One service process on fresh servers, under load."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        nats_proc, nx_proc = start_nats(root / "nats", root / "nats.log"), start_nx(root / "nx", root / "nx.log")
        private, public = ensure_dev_keys(root / "keys")
        env = {
            "NATS_URL": nats_proc.url,
            "MONGODB_URL": nx_proc.url,
            "AUTH_PUBLIC_KEY_FILE": str(public),
            "METRICS_DATABASE": "bench_metrics",
            "METRICS_LOG_LEVEL": "WARNING",  # FastStream logs two INFO lines per message
            **extra_env,
        }
        service = start_service("metrics", {**os.environ, **env}, root / "metrics.log")
        try:
            token = mint(private, subject="bench", role=Role.STATE_ADMIN, district=None)
            result = asyncio.run(_load(service.url, nats_proc.url, token, rate, seconds, drain))
        finally:
            service.stop()
            nats_proc.stop()
            nx_proc.stop()
    result["label"] = label
    return result


def print_lag(results: list[dict[str, Any]], rate: int, seconds: float) -> None:
    probes = "a probe every 100 ms, the four streams in turn"
    print(f"\nread-model lag at {rate} events/s for {seconds:.0f} s ({probes}; target: ≤ 1 s)")
    print(f"  {'':<44} {'events/s':>9} {'median':>8} {'p95':>8} {'max':>8} {'drained':>9} {'≤1s (svc)':>10}")
    for r in results:
        lags = r["lags"]
        drained = f"{r['drained']:.2f} s" if r["drained"] is not None else f"{r['seen']}/{r['probes']}"
        share = _share_within(r["text"], 1.0)
        print(
            f"  {r['label']:<44} {r['rate']:>9.0f} {_median(lags):>7.3f}s {pct(lags, 0.95):>7.3f}s "
            f"{max(lags, default=float('nan')):>7.3f}s {drained:>9} {'' if share is None else f'{share * 100:.0f}%':>10}"
        )
        for stream, stream_lags in r["streams"].items():
            print(
                f"    {'probes on ' + stream:<42} {'':>9} {_median(stream_lags):>7.3f}s {pct(stream_lags, 0.95):>7.3f}s "
                f"{max(stream_lags, default=float('nan')):>7.3f}s"
            )


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--relationships", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--drain", type=float, default=60, help="seconds to wait for the read model to catch up after the load")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test): 100 events/s for 2 s, 500 relationships")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference lag run")
    args = parser.parse_args()
    if args.quick:
        args.rate, args.seconds, args.relationships, args.runs, args.drain = 100, 2, 500, 3, 20
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    results = [lag_run("metrics service (group commit, 0.2 s debounce)", {}, args.rate, args.seconds, args.drain)]
    if not args.no_reference and not args.quick:
        results.append(lag_run("reference: one event a write, no debounce", REFERENCE, args.rate, args.seconds, args.drain))
    print_lag(results, args.rate, args.seconds)
    summary = summary_run(args.relationships, args.runs)
    print_summary(summary, args.relationships)
    if not summary["same"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
