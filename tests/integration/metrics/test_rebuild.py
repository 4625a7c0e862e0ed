"""Done when: rebuild equals live. The live service consumes a shuffled, duplicated world; ``python -m services.metrics
rebuild`` (as the metrics NATS user) replays the streams into a fresh database and finds every figure equal."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import timedelta

import nats
import pytest
from typer.testing import CliRunner

from services.metrics import schema
from services.metrics.app import create_app
from services.metrics.cli import cli
from services.metrics.rebuild import all_summaries, projection_on, rebuild_if_stale
from services.metrics.settings import MetricsSettings
from shared.auth.principal import Role
from shared.storage.mongo import make_client
from tests.integration.metrics.world_io import publish_all
from tests.plugins.services import eventually, running
from tests.unit.metrics import oracle, oracle_figures
from tests.unit.metrics.test_property import assert_same
from tests.unit.metrics.worlds import T0, deliver, world

AS_OF, TERM, K = T0 + timedelta(days=90), "2025-26", 2


def run_cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["rebuild", *args, "--as-of", AS_OF.strftime("%Y-%m-%dT%H:%M:%S"), "--term", TERM], env=env)
    return result.exit_code, result.output


async def test_rebuild_replays_every_stream_into_a_fresh_database_and_equals_live(service_settings, nats_server, mongo_url, auth):
    rng = random.Random(77)
    delivered = deliver(rng, world(rng, districts=2, programs=3, people=8, tag=uuid.uuid4().hex[:6]))
    settings = service_settings("metrics", recompute_seconds=0.1, k=K)
    app = create_app(MetricsSettings(**settings))
    live_db = settings["database"]
    nc = await nats.connect(nats_server.url)
    client = make_client(mongo_url)
    expected = oracle_figures.summaries(oracle.decide(delivered), AS_OF, TERM, K)
    try:
        async with running(app, headers=auth(Role.STATE_ADMIN)) as http:
            await publish_all(nc.jetstream(), delivered)

            async def live_caught_up() -> bool:
                state = await http.get("/state/summary", params={"as_of": AS_OF.isoformat(), "term": TERM})
                return bool(state.json() == expected["state"])

            await eventually(live_caught_up, timeout=30)
            env = {
                "NATS_URL": nats_server.urls["metrics"],
                "MONGODB_URL": mongo_url,
                "METRICS_DATABASE": live_db,
                "METRICS_K": str(K),
            }
            fresh = f"{live_db}_rebuilt"
            code, output = await asyncio.to_thread(run_cli, env, "--database", fresh)
            assert code == 0, output
            assert "every figure equal" in output and "replayed MATCHING" in output

            query = projection_on(client[fresh], K).query(AS_OF, TERM)
            rebuilt = await all_summaries(projection_on(client[fresh], K), query)
            live = await all_summaries(projection_on(client[live_db], K), query)
            assert rebuilt == live
            assert_same(rebuilt["state"], expected["state"])
            assert len(rebuilt) == 1 + 2 + 3  # the state, two districts, three programs
            consumed = (await http.get("/events/consumed")).json()
            assert (await projection_on(client[fresh], K).consumed()).events_consumed == consumed["events_consumed"]

            # The same database again: refused unless --replace; a damaged live model is reported, exit code 1.
            code, output = await asyncio.to_thread(run_cli, env, "--database", fresh)
            assert code == 2 and "exists" in output
            program = next(k for k in live if k.startswith("program:")).split(":", 1)[1]
            await client[live_db]["cells"].update_one({"_id": f"program:{program}"}, {"$set": {"minutes": 123456}})
            code, output = await asyncio.to_thread(run_cli, env, "--database", fresh, "--replace")
            assert code == 1 and f"program:{program} mentoring_minutes: live 123456" in output, output

            # A read model of an older schema (no marker, documents of its own) is rebuilt in place by `make run`.
            old = f"{live_db}_old"
            await client[old]["participants"].insert_one({"_id": "written-by-version-1", "n": 1})
            assert await rebuild_if_stale(nats_server.urls["metrics"], mongo_url, old)
            assert await client[old]["participants"].find_one({"_id": "written-by-version-1"}) is None
            assert await schema.stored_version(client[old]) == schema.SCHEMA_VERSION
            assert await all_summaries(projection_on(client[old], K), query) == rebuilt
            assert not await rebuild_if_stale(nats_server.urls["metrics"], mongo_url, old)  # current now: left alone
    finally:
        await client.close()
        await nc.close()


async def test_the_service_refuses_a_read_model_of_an_older_schema(service_settings, mongo_url):
    settings = service_settings("metrics")
    client = make_client(mongo_url)
    try:
        fresh = client[settings["database"]]
        await schema.ensure(fresh)  # a new database is marked...
        assert await schema.stored_version(fresh) == schema.SCHEMA_VERSION
        await schema.ensure(fresh)  # ...and accepted from then on
        old = client[f"{settings['database']}_old"]
        await old["meetings"].insert_one({"_id": "m1"})  # documents, no marker: the first version's
        with pytest.raises(schema.StaleReadModelError, match="rebuild --database"):
            await schema.ensure(old)
        app = create_app(MetricsSettings(**{**settings, "database": old.name}))
        with pytest.raises(schema.StaleReadModelError):
            async with running(app):
                pass
        assert await old["schema"].find_one({}) is None  # nothing was written to it
    finally:
        await client.close()
