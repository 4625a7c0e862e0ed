"""The ``external`` user (and a per-district ``external_D1``) reads relationship events and nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import nats
import pytest
from fastapi import APIRouter
from nats.errors import Error as NatsError

from devstack.servers import nats_url
from shared.contracts.envelope import CloudEvent, make_event
from shared.contracts.matching import EndReason, MatchApproved, RelationshipEnded, RelationshipStarted
from shared.service import ServiceRuntime
from shared.settings import ServiceSettings
from tests.integration.nats_security.conftest import Connect, create_streams, stored_messages
from tests.plugins.services import eventually, running

EXTERNAL_USERS = ["external", "external_D1"]
ANYWHERE = [
    "mentoring.matching.D1.relationship.started.v1",  # even the kind of event it may read
    "mentoring.matching.D1.program.created.v1",
    "mentoring.scheduling.D1.meeting.scheduled.v1",
    "mentoring.deadletter.external.anything",
    "$JS.API.STREAM.DELETE.MATCHING",
    "$JS.API.CONSUMER.CREATE.MATCHING.external.mentoring.matching.*.relationship.>",
    "$JS.API.CONSUMER.MSG.NEXT.MATCHING.scheduling__relationship_started_v1",
    "_INBOX.someone",
]
OUTSIDE_RELATIONSHIP_EVENTS = [
    ">",
    "mentoring.>",
    "mentoring.matching.>",
    "mentoring.matching.*.match.>",
    "mentoring.scheduling.*.meeting.>",
    "mentoring.deadletter.>",
    "$JS.EVENT.>",
    "_INBOX.>",
]


@pytest.mark.nats_violations_expected
@pytest.mark.parametrize("user", EXTERNAL_USERS)
async def test_external_user_is_refused_when_it_publishes_anywhere(nats_server, connect: Connect, user):
    await create_streams(nats_server.url)
    external = await connect(nats_server.urls[user])
    for subject in ANYWHERE:
        await external.nc.publish(subject, b'{"forged": true}')
        await external.refused("publish", subject)
    assert set((await stored_messages(nats_server.url)).values()) == {0}


@pytest.mark.nats_violations_expected
@pytest.mark.parametrize("user", EXTERNAL_USERS)
async def test_external_user_is_refused_when_it_subscribes_outside_relationship_events(nats_server, connect: Connect, user):
    external = await connect(nats_server.urls[user])
    outside = OUTSIDE_RELATIONSHIP_EVENTS + (
        ["mentoring.matching.*.relationship.>", "mentoring.matching.D2.relationship.>"] if user == "external_D1" else []
    )
    for subject in outside:
        await external.nc.subscribe(subject)
        await external.refused("subscription", subject)


@pytest.mark.nats_violations_expected
async def test_external_user_gets_no_jetstream_api(nats_server, connect: Connect):
    """A JetStream request names its own reply subject: a puller could make the server write into any stream."""
    await create_streams(nats_server.url)
    external = await connect(nats_server.urls["external"])
    with pytest.raises(NatsError):  # no answer ever comes back
        await external.nc.jetstream(timeout=1).stream_info("MATCHING")
    await external.refused("publish", "$JS.API.STREAM.INFO.MATCHING")


async def test_external_users_receive_relationship_events_of_their_scope(nats_server, connect: Connect, service_settings):
    runtime = ServiceRuntime(
        "matching", ServiceSettings(**service_settings("matching")), [RelationshipStarted, RelationshipEnded, MatchApproved]
    )
    everywhere, district_1 = await connect(nats_server.urls["external"]), await connect(nats_server.urls["external_D1"])
    got: dict[str, list[tuple[str, str]]] = {"external": [], "external_D1": []}

    def collect(user: str) -> Any:
        async def on_message(msg: Any) -> None:
            body = json.loads(msg.data)
            got[user].append((body["district"], body["type"]))

        return on_message

    await everywhere.nc.subscribe("mentoring.matching.*.relationship.>", cb=collect("external"))
    await district_1.nc.subscribe("mentoring.matching.D1.relationship.>", cb=collect("external_D1"))
    now = datetime.now(UTC)
    ids = {"program_id": "p1", "mentor_id": "m1", "mentee_id": "e1"}
    events: list[CloudEvent[Any]] = [
        make_event(RelationshipStarted(relationship_id="r1", started_at=now, **ids), district="D1", subject="r1"),
        make_event(RelationshipStarted(relationship_id="r2", started_at=now, **ids), district="D2", subject="r2"),
        make_event(MatchApproved(proposal_id="x", relationship_id="r1", **ids), district="D1", subject="x"),
        make_event(
            RelationshipEnded(relationship_id="r1", ended_at=now, reason=EndReason.COMPLETED, **ids), district="D1", subject="r1"
        ),
    ]
    async with running(runtime.http_app(APIRouter(), description="matching's publishing path")):
        await runtime.outbox.emit(events)
        started, ended = RelationshipStarted.kind.type, RelationshipEnded.kind.type
        await eventually(lambda: len(got["external"]) == 3 and len(got["external_D1"]) == 2)
    assert sorted(got["external"]) == [("D1", ended), ("D1", started), ("D2", started)]
    assert sorted(got["external_D1"]) == [("D1", ended), ("D1", started)]
    assert everywhere.errors == district_1.errors == []


async def test_nobody_connects_without_the_right_password(nats_server):
    port = urlsplit(nats_server.url).port
    assert port
    for url in (nats_url(port), nats_url(port, "external", "guess"), nats_url(port, "matching", "guess")):
        with pytest.raises(NatsError, match="Authorization Violation"):
            await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0)
