"""Metrics against real NATS and nx-27017: every stream projected into summaries, gauges and dead letters."""

from __future__ import annotations

import json
import uuid
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
from tests.integration.metrics.scenario import CHECK_IN, FIGURES, drained, gauges, publish, sequence
from tests.plugins.services import eventually, running


async def test_sequence_from_four_streams_projects_every_figure_once(service_settings, nats_server, auth):
    district, program, other = f"T{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:12], uuid.uuid4().hex[:12]
    events = sequence(district, program, other)
    app = create_app(MetricsSettings(**service_settings("metrics")))
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    async with running(app, headers=auth(Role.STATE_ADMIN)) as http:
        assert (await http.get(f"/programs/{program}/summary")).status_code == 404
        last = await publish(js, events)
        await eventually(lambda: drained(js, last))
        summary = (await http.get(f"/programs/{program}/summary")).json()
        assert summary == {"program_id": program, "district": district, **FIGURES}
        by_district = (await http.get(f"/districts/{district}/summary")).json()
        assert by_district == {
            "district": district,
            "programs": 2,
            **FIGURES,
            "participants": {"mentors": 2, "mentees": 3},
            "match_rate": 1 / 3,
        }

        samples = gauges((await http.get("/metrics")).text, district)
        assert samples == {
            ("mentoring_participants", "mentor"): 2,
            ("mentoring_participants", "mentee"): 3,
            ("mentoring_active_relationships", ""): 1,
            ("mentoring_meetings", "scheduled"): 0,
            ("mentoring_meetings", "completed"): 1,
            ("mentoring_meetings", "missed"): 1,
            ("mentoring_surveys_submitted", ""): 1,
            ("mentoring_survey_rating_mean", ""): 4.0,
        }
        consumed = (await http.get("/events/consumed")).json()
        assert consumed["by_type"]["org.mentoring.meeting.scheduled.v1"] >= 2

        # The same envelopes again under new Nats-Msg-Ids (a redelivery JetStream cannot dedupe): nothing changes.
        last = await publish(js, events, round_="-again")
        await eventually(lambda: drained(js, last))
        assert (await http.get(f"/programs/{program}/summary")).json() == summary
        assert (await http.get(f"/districts/{district}/summary")).json() == by_district
        assert (await http.get("/events/consumed")).json() == consumed

        # Re-emitted with fresh envelope ids: still nothing changes (idempotency does not rest on processed events).
        fresh = [e.model_copy(update={"id": str(uuid.uuid4())}) for e in events]
        last = await publish(js, fresh)
        await eventually(lambda: drained(js, last))
        assert (await http.get(f"/programs/{program}/summary")).json() == summary
        after = (await http.get("/events/consumed")).json()
        assert after["events_consumed"] == consumed["events_consumed"] + len(events)

        # A late meeting.scheduled, consumed after the meeting was completed, does not turn it back.
        late = next(e for e in fresh if e.type == "org.mentoring.meeting.scheduled.v1" and e.subject.endswith("-mt1"))
        last = await publish(js, [late.model_copy(update={"id": str(uuid.uuid4())})])
        await eventually(lambda: drained(js, last))
        assert (await http.get(f"/programs/{program}/summary")).json() == summary
        assert (await http.get(f"/districts/{district}/summary")).json() == by_district
        assert gauges((await http.get("/metrics")).text, district) == samples
    await nc.close()


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

    async def dead_letter() -> dict[str, Any] | None:
        try:
            letter = json.loads((await js.get_last_msg("DEADLETTER", letters)).data or b"{}")
        except NotFoundError:
            return None
        return letter if invalid["id"] in letter["payload"] else None

    async with running(app, headers=auth(Role.STATE_ADMIN)) as http:
        await js.publish(valid.nats_subject, json.dumps(invalid).encode(), headers={"Nats-Msg-Id": invalid["id"]})
        await js.publish(
            f"mentoring.scheduling.{district}.meeting.completed.v2",
            json.dumps(newer).encode(),
            headers={"Nats-Msg-Id": newer["id"]},
        )
        letter = await eventually(dead_letter)
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
