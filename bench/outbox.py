"""What the transactional outbox costs: events/s through ``Outbox.emit`` vs a bare JetStream publish.

Run: ``.venv/bin/python -m bench.outbox [--events 300 --rounds 5]``. Starts its own nats-server and
nx-27017 on free loopback ports; prints the median of each variant side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import nats

from devstack.keys import ensure_dev_keys
from devstack.servers import start_nats, start_nx
from shared.contracts.envelope import make_event
from shared.contracts.matching import RelationshipStarted
from shared.service import ServiceRuntime
from shared.settings import ServiceSettings


def events(n: int, tag: str) -> list:
    now = datetime.now(UTC)
    return [
        make_event(
            RelationshipStarted(program_id="p", relationship_id=f"{tag}-{i}", mentor_id="a", mentee_id="b", started_at=now),
            district="BENCH",
            subject=f"{tag}-{i}",
        )
        for i in range(n)
    ]


async def bench(n: int, rounds: int, nats_url: str, mongo_url: str, public_key: Path) -> dict[str, list[float]]:
    settings = ServiceSettings(nats_url=nats_url, mongodb_url=mongo_url, auth_public_key_file=public_key)
    runtime = ServiceRuntime("bench", settings, [RelationshipStarted])
    runtime.broker.include_router(runtime.subscriptions.router)
    await runtime.start()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    rates: dict[str, list[float]] = {"bare JetStream publish": [], "outbox, one event a call": [], "outbox, 50 a call": []}
    try:
        for r in range(rounds):
            batch = events(n, f"raw{r}")
            start = time.perf_counter()
            for e in batch:
                await js.publish(e.nats_subject, e.model_dump_json().encode(), headers={"Nats-Msg-Id": e.id})
            rates["bare JetStream publish"].append(n / (time.perf_counter() - start))

            batch = events(n, f"one{r}")
            start = time.perf_counter()
            for e in batch:
                await runtime.outbox.emit([e])
            rates["outbox, one event a call"].append(n / (time.perf_counter() - start))

            batch = events(n, f"many{r}")
            start = time.perf_counter()
            for i in range(0, n, 50):
                await runtime.outbox.emit(batch[i : i + 50])
            rates["outbox, 50 a call"].append(n / (time.perf_counter() - start))
    finally:
        await nc.close()
        await runtime.stop()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        nats_proc = start_nats(root / "nats", root / "nats.log")
        nx_proc = start_nx(root / "nx", root / "nx.log")
        try:
            _, public_key = ensure_dev_keys(root / "keys")
            rates = asyncio.run(bench(args.events, args.rounds, nats_proc.url, nx_proc.url, public_key))
        finally:
            nats_proc.stop()
            nx_proc.stop()
    print(f"{args.events} events x {args.rounds} rounds, median events/s (min-max):")
    for name, values in rates.items():
        print(f"  {name:<28} {statistics.median(values):>8.0f}   ({min(values):.0f}-{max(values):.0f})")


if __name__ == "__main__":
    main()
