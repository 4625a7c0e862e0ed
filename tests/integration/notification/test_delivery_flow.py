"""Notification against real NATS, nx-27017 and an SMTP server: e-mails once per recipient, outcomes on the bus.

By default every notice goes to the recipient's e-mail and in-app inbox: one delivery (and one outcome event)
per channel.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from devstack.servers import free_port
from services.notification.app import create_app
from services.notification.settings import NotificationSettings
from shared.contracts.envelope import make_event
from shared.contracts.feedback import SurveyIssued, SurveyTemplate
from shared.contracts.matching import RelationshipStarted
from shared.contracts.scheduling import MeetingKind, MeetingScheduled
from tests.integration.notification.conftest import mail_to, roster, text_of
from tests.plugins.services import eventually, running

STARTED = datetime(2025, 10, 14, 15, 30, tzinfo=UTC)


def settings(service_settings, mail_sink, **overrides):
    fast = {"smtp_port": mail_sink.port, "dispatch_seconds": 0.05, "delivery_backoff_seconds": [0.05, 0.1]}
    return NotificationSettings(**service_settings("notification", **{**fast, **overrides}))


def relationship_started(world, mentor, mentee, rid="r1"):
    data = RelationshipStarted(
        program_id="prog-1",
        relationship_id=f"{rid}-{world.tag}",
        mentor_id=world.pid(mentor),
        mentee_id=world.pid(mentee),
        started_at=STARTED,
    )
    return make_event(data, district=world.district, subject=data.relationship_id)


async def deliveries(http, world, person):
    response = await http.get("/deliveries", params={"recipient_id": world.pid(person)})
    assert response.status_code == 200
    return response.json()


async def test_relationship_started_emails_each_partner_once(service_settings, coordinator, mail_sink, world, bus):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee")
    async with running(create_app(settings(service_settings, mail_sink)), headers=coordinator) as http:
        assert (await http.post(f"/districts/{world.district}/contacts", content=roster(ana, cleo))).json()["new"] == 2
        event = relationship_started(world, ana, cleo)
        await bus.publish(event)

        await eventually(lambda: mail_to(mail_sink, ana) and mail_to(mail_sink, cleo))
        (to_ana,), (to_cleo,) = mail_to(mail_sink, ana), mail_to(mail_sink, cleo)
        assert "Cleo New" in to_ana["Subject"] and "Cleo New" in text_of(to_ana) and "your mentee" in text_of(to_ana)
        assert "Ana Mentor" in to_cleo["Subject"] and "Ana Mentor" in text_of(to_cleo)
        assert to_ana.get_content_type() == "multipart/alternative"
        assert "Cleo New" in to_ana.get_body(preferencelist=("html",)).get_content()

        sent = await eventually(lambda: len(bus.events("sent")) == 4 and bus.events("sent"))
        assert {(e["data"]["recipient_id"], e["data"]["channel"]) for e in sent} == {
            (world.pid(p), channel) for p in (ana, cleo) for channel in ("email", "in_app")
        }
        assert {e["data"]["cause_event_id"] for e in sent} == {event.id}
        assert all(e["data"]["template"] == "relationship_started" and e["data"]["program_id"] == "prog-1" for e in sent)
        assert {s["subject"] for s in bus.seen} == {f"mentoring.notification.{world.district}.notification.sent.v1"}
        assert ana.email not in json.dumps(bus.seen) and "Ana Mentor" not in json.dumps(bus.seen)
        email, in_app = await deliveries(http, world, ana)
        assert (email["channel"], in_app["channel"]) == ("email", "in_app")
        assert (email["status"], email["attempts"], email["seen"], email["error"]) == ("sent", 1, 1, None)
        assert email["template"] == email["kind"] == "relationship_started" and email["sent_at"]
        assert in_app["status"] == "sent" and email["due_at"] <= email["sent_at"]

        # The same event again under another Nats-Msg-Id, as a redelivery would be: nothing is sent again.
        seq = await bus.publish(event, msg_id=f"again-{event.id}")
        await bus.settled(RelationshipStarted.kind, seq)
        assert [d["seen"] for d in await deliveries(http, world, ana) + await deliveries(http, world, cleo)] == [2, 2, 2, 2]
        assert len(mail_to(mail_sink, ana)) == 1 and len(mail_to(mail_sink, cleo)) == 1
        assert len(bus.events("sent")) == 4
        assert await bus.stored(f"mentoring.notification.{world.district}.notification.sent.v1") == 4
        metrics = (await http.get("/metrics")).text
        assert 'mentoring_notifications_sent_total{channel="email",kind="relationship_started"} 2.0' in metrics
        assert 'mentoring_notifications_sent_total{channel="in_app",kind="relationship_started"} 2.0' in metrics
        assert 'mentoring_notification_delivery_seconds_count{channel="email"} 2.0' in metrics


async def test_meeting_and_survey_reach_their_recipients_once_even_when_duplicated_together(
    service_settings, coordinator, mail_sink, world, bus
):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee")
    meeting = MeetingScheduled(
        program_id="prog-1",
        relationship_id="r1",
        meeting_id=f"m-{world.tag}",
        meeting_kind=MeetingKind.OBSERVATION,
        participant_ids=[world.pid(ana), world.pid(cleo)],
        starts_at=datetime(2025, 11, 3, 13, 0, tzinfo=UTC),
        duration_minutes=45,
    )
    survey = SurveyIssued(
        program_id="prog-1",
        relationship_id="r1",
        survey_id=f"s-{world.tag}",
        respondent_id=world.pid(cleo),
        template=SurveyTemplate.MATCH_QUALITY_30D,
        due_at=datetime(2025, 11, 14, 23, 0, tzinfo=UTC),
    )
    config = settings(service_settings, mail_sink)
    async with running(create_app(config), headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(ana, cleo))
    # While the service is down the events queue up, so on start one fetch takes them all and the two
    # copies of the meeting are handled concurrently.
    meeting_event = make_event(meeting, district=world.district, subject=meeting.meeting_id)
    survey_event = make_event(survey, district=world.district, subject=survey.survey_id)
    await bus.publish(meeting_event)
    seq = await bus.publish(meeting_event, msg_id=f"again-{meeting_event.id}")
    await bus.publish(survey_event)
    async with running(create_app(config), headers=coordinator):
        await eventually(lambda: len(bus.events("sent", "email")) >= 3)
        await bus.settled(MeetingScheduled.kind, seq)
        (to_ana,) = mail_to(mail_sink, ana)
        when = "Monday, November 3, 2025, 1:00 PM (Coordinated Universal Time)"  # babel, locale en
        assert to_ana["Subject"] == f"Classroom observation on {when}"
        body = text_of(to_ana)
        assert "with Cleo New" in body and "45 minutes" in body and when in body
        # Python's header folder may fold a long subject right after "Subject:"; readers strip that space.
        to_cleo = {m["Subject"].strip(): m for m in mail_to(mail_sink, cleo)}
        assert len(to_cleo) == len(mail_to(mail_sink, cleo)) == 2
        survey_mail = to_cleo["Please answer the 30-day mentoring check-in survey by Friday, November 14, 2025"]
        assert "Hello Cleo New" in text_of(survey_mail)
        assert "with Ana Mentor" in text_of(to_cleo[f"Classroom observation on {when}"])
        assert sorted(e["data"]["template"] for e in bus.events("sent", "email")) == [
            "meeting_scheduled",
            "meeting_scheduled",
            "survey_issued",
        ]
        await eventually(lambda: len(bus.events("sent")) == 6)
        assert await bus.stored(f"mentoring.notification.{world.district}.notification.sent.v1") == 6


async def test_missing_contact_fails_at_once_without_retry(service_settings, coordinator, mail_sink, world, bus):
    ana, ghost = world.person("T1", "Ana Mentor"), world.person("S9", "Not Uploaded", "mentee")
    async with running(create_app(settings(service_settings, mail_sink)), headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(ana))
        event = relationship_started(world, ana, ghost)
        seq = await bus.publish(event)

        (failed,) = await eventually(lambda: bus.events("failed"))
        assert failed["data"]["recipient_id"] == world.pid(ghost) and failed["data"]["channel"] == "email"
        assert failed["data"]["reason"] == "no contact on file"
        assert failed["data"]["cause_event_id"] == event.id and failed["data"]["program_id"] == "prog-1"
        await bus.settled(RelationshipStarted.kind, seq)
        email, in_app = await deliveries(http, world, ghost)
        assert (email["status"], email["attempts"], email["seen"], email["error"]) == ("failed", 0, 1, "no contact on file")
        assert in_app["status"] == "sent"  # the inbox needs no address: it is there when they sign in
        (to_ana,) = mail_to(mail_sink, ana)  # the partner without a contact is named by role
        assert "paired with your new mentee" in text_of(to_ana)
        metrics = (await http.get("/metrics")).text
        assert 'mentoring_notifications_failed_total{channel="email",kind="relationship_started"} 1.0' in metrics


async def test_smtp_down_fails_after_the_last_attempt_with_the_error(service_settings, coordinator, mail_sink, world, bus):
    cleo = world.person("S1", "Cleo New", "mentee")
    closed = free_port()
    down = settings(service_settings, mail_sink, smtp_port=closed, delivery_backoff_seconds=[0.05, 0.05])
    survey = SurveyIssued(
        program_id="prog-1",
        relationship_id="r1",
        survey_id=f"s-{world.tag}",
        respondent_id=world.pid(cleo),
        template=SurveyTemplate.MATCH_QUALITY_30D,
        due_at=STARTED + timedelta(days=30),
    )
    async with running(create_app(down), headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(cleo))
        event = make_event(survey, district=world.district, subject=survey.survey_id)
        seq = await bus.publish(event)

        (failed,) = await eventually(lambda: bus.events("failed"))
        assert failed["data"]["template"] == "survey_issued" and failed["data"]["channel"] == "email"
        assert failed["data"]["recipient_id"] == world.pid(cleo)
        assert "SMTPConnectError" in failed["data"]["reason"] and str(closed) in failed["data"]["reason"]
        await bus.settled(SurveyIssued.kind, seq)
        email, _ = await deliveries(http, world, cleo)
        assert (email["status"], email["attempts"], email["sent_at"]) == ("failed", 3, None)  # 1 + len(backoff)
        assert email["error"] == failed["data"]["reason"]
        assert not mail_to(mail_sink, cleo) and [e["data"]["channel"] for e in bus.events("sent")] == ["in_app"]
        metrics = (await http.get("/metrics")).text
        assert 'mentoring_notification_retries_total{channel="email"} 2.0' in metrics
