"""Publishing a generated world on the real JetStream, and reading every summary back over HTTP, keyed as the oracle keys them."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import httpx
from nats.js import JetStreamContext

from shared.contracts.envelope import CloudEvent

_publications = itertools.count()


async def publish_all(js: JetStreamContext, envelopes: list[CloudEvent[Any]]) -> dict[str, int]:
    """Publish each envelope under its own ``Nats-Msg-Id`` (so a second delivery of the same envelope is not deduped
    by JetStream, as after a redelivery); returns the last sequence per stream."""
    last: dict[str, int] = {}
    for env in envelopes:
        msg_id = f"{env.id}-{next(_publications)}"
        ack = await js.publish(env.nats_subject, env.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id})
        last[ack.stream] = max(last.get(ack.stream, 0), ack.seq)
    return last


def params(as_of: datetime, term: str) -> dict[str, str]:
    return {"as_of": as_of.isoformat(), "term": term}


async def read_all(
    http: httpx.AsyncClient, programs: list[str], districts: list[str], as_of: datetime, term: str
) -> dict[str, Any]:
    """Every summary and series over HTTP (as a state admin), keyed as ``Twin.summaries`` and the oracle key them."""
    query = params(as_of, term)

    async def get(path: str, **extra: str) -> Any:
        response = await http.get(path, params=extra)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
        return response.json()

    out: dict[str, Any] = {}
    for program in programs:
        out[f"program:{program}"] = await get(f"/programs/{program}/summary", **query)
        out[f"program-weekly:{program}"] = await get(f"/programs/{program}/weekly")
    for district in districts:
        out[f"district:{district}"] = await get(f"/districts/{district}/summary", **query)
        out[f"district-weekly:{district}"] = await get(f"/districts/{district}/weekly")
        for school in await get(f"/districts/{district}/schools", **query):
            out[f"school:{district}:{school['school']}"] = school
    out["state"] = await get("/state/summary", **query)
    out["state-weekly"] = await get("/state/weekly")
    return out
