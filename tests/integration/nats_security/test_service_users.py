"""Each service's NATS user publishes only its own events and reaches only its own consumers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import nats
import pytest
from fastapi import APIRouter

from devstack.stack import SERVICES
from shared.contracts.catalogue import EVENTS
from shared.contracts.envelope import make_event
from shared.contracts.matching import RelationshipStarted
from shared.contracts.scheduling import MeetingScheduled
from shared.service import ServiceRuntime
from shared.settings import ServiceSettings
from tests.integration.nats_security.conftest import Connect, create_streams, stored_messages
from tests.plugins.services import running


def forbidden_publishes(service: str) -> list[str]:
    """One event of every other producer, the others' dead letters and stream administration."""
    others = {model.kind.domain.value: model.kind.subject("D1") for model in EVENTS if model.kind.domain.value != service}
    other = next(name for name in SERVICES if name != service)
    return [
        *others.values(),
        f"mentoring.deadletter.{other}.{other}__x",
        "$JS.API.STREAM.DELETE.MATCHING",
        "$JS.API.STREAM.PURGE.SCHEDULING",
        "$JS.API.STREAM.MSG.DELETE.FEEDBACK",
        # another service's durable: reading or acknowledging its messages would steal them
        f"$JS.API.CONSUMER.MSG.NEXT.MATCHING.{other}__relationship_started_v1",
        f"$JS.API.CONSUMER.DURABLE.CREATE.MATCHING.{other}__all_matching",
        f"$JS.API.CONSUMER.DELETE.MATCHING.{service}__relationship_started_v1",
    ]


@pytest.mark.nats_violations_expected
@pytest.mark.parametrize("service", list(SERVICES))
async def test_service_user_cannot_publish_another_services_subjects(nats_server, connect: Connect, service):
    await create_streams(nats_server.url)
    user = await connect(nats_server.urls[service])
    for subject in forbidden_publishes(service):
        await user.nc.publish(subject, b'{"forged": true}')
        await user.refused("publish", subject)
    assert set((await stored_messages(nats_server.url)).values()) == {0}


@pytest.mark.nats_violations_expected
@pytest.mark.parametrize("service", list(SERVICES))
async def test_service_user_consumes_only_through_its_own_durables(nats_server, connect: Connect, service):
    user = await connect(nats_server.urls[service])
    for subject in ("mentoring.>", "mentoring.matching.*.relationship.>", "$JS.EVENT.ADVISORY.>"):
        await user.nc.subscribe(subject)
        await user.refused("subscription", subject)


@pytest.mark.parametrize(("service", "event"), [("scheduling", MeetingScheduled), ("matching", RelationshipStarted)])
async def test_service_user_publishes_its_own_events(nats_server, connect: Connect, service, event):
    await create_streams(nats_server.url)
    user = await connect(nats_server.urls[service], inbox=f"_INBOX.{service}")
    ack = await user.nc.jetstream().publish(event.kind.subject("D7"), b"{}")
    assert ack.stream == event.kind.domain.value.upper()
    assert user.errors == []


async def remember(event: Any) -> None:
    """The probe's handler: accepts everything."""


async def test_dead_letter_backstop_works_within_a_service_users_rights(nats_server, service_settings):
    """The advisory path (subscribe to the advisory, MSG.GET, publish the dead letter) as scheduling's user."""
    runtime = ServiceRuntime("scheduling", ServiceSettings(**service_settings("scheduling")), [MeetingScheduled])
    runtime.subscriptions.on(RelationshipStarted.kind, remember)  # the durable scheduling really has
    [durable] = runtime.subscriptions.durables
    data = RelationshipStarted(program_id="p", relationship_id="r1", mentor_id="a", mentee_id="b", started_at=datetime.now(UTC))
    event = make_event(data, district="D1", subject="r1")
    admin = await nats.connect(nats_server.url)
    js = admin.jetstream()
    async with running(runtime.http_app(APIRouter(), description="scheduling's consuming path")):
        ack = await js.publish(event.nats_subject, event.model_dump_json().encode(), headers={"Nats-Msg-Id": event.id})
        advisory = {"stream": "MATCHING", "consumer": durable, "stream_seq": ack.seq, "deliveries": 5}
        # the server would send this after the last unacknowledged delivery; here it is sent directly
        await admin.publish(f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.MATCHING.{durable}", json.dumps(advisory).encode())
        letters = await js.pull_subscribe("mentoring.deadletter.>", stream="DEADLETTER")
        [letter] = await letters.fetch(1, timeout=10)
    await admin.close()
    assert letter.subject == f"mentoring.deadletter.scheduling.{durable}"
    assert json.loads(letter.data)["payload"] == event.model_dump_json()
