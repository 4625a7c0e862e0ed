"""Metrics against real NATS and nx-27017: a generated world, shuffled and duplicated, gives the oracle's every figure.

Also: delivered again (new ``Nats-Msg-Id``s) nothing changes; gauges per district; dead letters; unknown types.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import nats
from nats.js.errors import NotFoundError
from prometheus_client.parser import text_string_to_metric_families

from services.metrics.app import create_app
from services.metrics.settings import MetricsSettings
from shared.auth.principal import Role
from shared.contracts.envelope import make_event
from shared.contracts.scheduling import MeetingCompleted
from shared.contracts.subjects import deadletter_subject
from shared.messaging.broker import durable_name
from tests.integration.metrics.scenario import CHECK_IN
from tests.integration.metrics.world_io import publish_all, read_all
from tests.plugins.services import eventually, running
from tests.unit.metrics import oracle, oracle_figures
from tests.unit.metrics.test_property import assert_same
from tests.unit.metrics.worlds import T0, deliver, world

AS_OF, TERM, K = T0 + timedelta(days=120), "2025-26", 3
FAST = {"recompute_seconds": 0.1, "gauge_seconds": 0.2, "k": K}


def expected_of(delivered: list[Any]) -> dict[str, Any]:
    return oracle_figures.summaries(oracle.decide(delivered), AS_OF, TERM, K)


async def test_a_shuffled_duplicated_world_gives_the_oracles_figures_and_gauges(service_settings, nats_server, auth):
    rng = random.Random(20251)
    events = world(rng, districts=2, programs=3, people=9, tag=uuid.uuid4().hex[:6])
    delivered = deliver(rng, events)
    expected = expected_of(delivered)
    programs = sorted(k.split(":", 1)[1] for k in expected if k.startswith("program:"))
    districts = sorted(k.split(":", 1)[1] for k in expected if k.startswith("district:"))
    app = create_app(MetricsSettings(**service_settings("metrics", **FAST)))
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    async with running(app, headers=auth(Role.STATE_ADMIN)) as http:
        await publish_all(js, delivered)

        async def caught_up() -> bool:
            state = await http.get("/state/summary", params={"as_of": AS_OF.isoformat(), "term": TERM})
            return bool(state.json() == expected["state"])

        await eventually(caught_up, timeout=30)
        got = await read_all(http, programs, districts, AS_OF, TERM)
        assert_same(got, expected)

        # Every envelope again, under new Nats-Msg-Ids: nothing changes (not even the count of distinct envelopes).
        consumed = (await http.get("/events/consumed")).json()
        await publish_all(js, events)
        await eventually(lambda: _settled(http, consumed["events_consumed"], len(events)))
        assert_same(await read_all(http, programs, districts, AS_OF, TERM), expected)

        # The same facts under new envelope ids (a producer retrying without a derived id): counted as envelopes,
        # not as figures (anonymous batches without a release number excepted: their envelope id is their identity).
        released = "org.mentoring.anonymous_answers.released.v1"
        numbered = [e for e in events if e.type == released and e.data.batch is not None]  # type: ignore[attr-defined]
        assert numbered
        fresh = [
            e.model_copy(update={"id": str(uuid.uuid4())})
            for e in [*events[:20], *numbered]
            if e.type != released or e in numbered
        ]
        await publish_all(js, fresh)
        after = consumed["events_consumed"] + len(fresh)
        await eventually(lambda: _consumed_now(http, after))
        assert_same(await read_all(http, programs, districts, AS_OF, TERM), expected)

        now = (await http.get("/state/districts")).json()  # gauges show the figures at "now"

        async def gauges_show_the_districts() -> dict[str, Any] | None:
            families = {f.name: f for f in text_string_to_metric_families((await http.get("/metrics")).text)}
            shown = [
                (
                    _sample(families, "mentoring_enrolled_participants", d["district"]),
                    _sample(families, "mentoring_match_rate", d["district"]),
                )
                for d in now
            ]
            return families if shown == [(d["enrolled"], d["match_rate"]) for d in now] else None

        families = await eventually(gauges_show_the_districts)
        lag = families["mentoring_read_model_lag_seconds"]
        assert next(s.value for s in lag.samples if s.name.endswith("_count")) > 0
    await nc.close()


async def _settled(http: Any, before: int, published: int) -> bool:
    """Every re-published envelope consumed (they are the same envelopes: the distinct count stays)."""
    families = {f.name: f for f in text_string_to_metric_families((await http.get("/metrics")).text)}
    received = families.get("faststream_received_messages")
    total = sum(s.value for s in received.samples if s.name.endswith("_total")) if received else 0
    return total >= before + published and (await http.get("/events/consumed")).json()["events_consumed"] == before


async def _consumed_now(http: Any, count: int) -> bool:
    return bool((await http.get("/events/consumed")).json()["events_consumed"] == count)


async def last_letter(js: Any, subject: str, event_id: str) -> dict[str, Any] | None:
    """The last dead letter on ``subject``, if it is the one of ``event_id``."""
    try:
        letter = json.loads((await js.get_last_msg("DEADLETTER", subject)).data or b"{}")
    except NotFoundError:
        return None
    return letter if event_id in letter["payload"] else None


def _sample(families: dict[str, Any], name: str, district: str) -> float | None:
    family = families.get(name)
    values = [s.value for s in family.samples if s.labels.get("district") == district] if family else []
    return values[0] if values else None


async def test_invalid_payload_is_dead_lettered_and_unknown_type_ignored(service_settings, nats_server, auth):
    district, program = f"T{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:12]
    valid = make_event(
        MeetingCompleted(program_id=program, relationship_id="r1", meeting_id="mt1", meeting_kind=CHECK_IN, duration_minutes=60),
        district=district,
        subject="mt1",
    )
    body = valid.model_dump(mode="json")
    invalid = {**body, "id": str(uuid.uuid4()), "data": {**body["data"], "duration_minutes": -5}}
    newer = {**body, "id": str(uuid.uuid4()), "type": "org.mentoring.meeting.completed.v2"}
    app = create_app(MetricsSettings(**service_settings("metrics")))
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    letters = deadletter_subject("metrics", durable_name("metrics", "all_scheduling"))

    async with running(app, headers=auth(Role.STATE_ADMIN)) as http:
        await js.publish(valid.nats_subject, json.dumps(invalid).encode(), headers={"Nats-Msg-Id": invalid["id"]})
        await js.publish(
            f"mentoring.scheduling.{district}.meeting.completed.v2",
            json.dumps(newer).encode(),
            headers={"Nats-Msg-Id": newer["id"]},
        )
        letter = await eventually(lambda: last_letter(js, letters, invalid["id"]))
        assert letter["reason"] == "invalid_payload" and "duration_minutes" in letter["detail"]

        processed = app.state.runtime.db["processed_events"]
        assert (await eventually(lambda: processed.find_one({"_id": newer["id"]})))["type"] == "unknown"
        assert await processed.find_one({"_id": invalid["id"]}) is None
        assert (await http.get(f"/programs/{program}/summary")).status_code == 404  # neither changed the read model
        families = {f.name: f for f in text_string_to_metric_families((await http.get("/metrics")).text)}
        counted = {s.labels["type"]: s.value for s in families["mentoring_events_consumed"].samples if s.name.endswith("_total")}
        assert counted["unknown"] == 1
        assert (await http.get("/districts/bad district!/summary")).status_code == 422
    await nc.close()


async def test_an_event_that_fails_to_project_is_redelivered_alone_then_dead_lettered(service_settings, nats_server, auth):
    district, program = f"T{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:12]
    events = [
        make_event(
            MeetingCompleted(program_id=program, relationship_id="r1", meeting_id=m, meeting_kind=CHECK_IN, duration_minutes=30),
            district=district,
            subject=m,
        )
        for m in ("mt1", "poison", "mt3")
    ]
    app = create_app(MetricsSettings(**service_settings("metrics", max_deliver=3, retry_backoff_seconds=[0.05], **FAST)))
    commit = app.state.projection.commit
    apply, tried = commit.write, []

    async def failing(batch: list[Any]) -> None:
        if any(getattr(item.data, "meeting_id", None) == "poison" for item in batch):
            tried.append(len(batch))
            raise RuntimeError("the store rejected this one")
        await apply(batch)

    commit.write = failing
    projection, handed = app.state.projection, Counter()
    consume = projection.consume

    async def counting(batch: list[Any]) -> list[BaseException | None]:
        handed.update(item.data.meeting_id for item in batch)
        return await consume(batch)

    projection.consume = counting
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    letters = deadletter_subject("metrics", durable_name("metrics", "all_scheduling"))

    async with running(app, headers=auth(Role.STATE_ADMIN)) as http:
        for event in events:
            await js.publish(event.nats_subject, event.model_dump_json().encode(), headers={"Nats-Msg-Id": event.id})
        letter = await eventually(lambda: last_letter(js, letters, events[1].id))
        assert letter["reason"] == "deliveries_exhausted" and letter["deliveries"] == 3

        async def completed() -> int:
            response = await http.get(f"/programs/{program}/summary")
            return response.json()["meetings"]["completed"] if response.status_code == 200 else 0

        assert await eventually(lambda: _equals(completed, 2)) == 2  # the other two were stored (once: acknowledged)
    assert tried.count(1) == 3  # the poisoned event was tried alone on each of its three deliveries
    assert handed == {"mt1": 1, "poison": 3, "mt3": 1}  # the others were acknowledged, not redelivered with it
    await nc.close()


async def _equals(read: Any, value: int) -> int | None:
    got = await read()
    return got if got == value else None
