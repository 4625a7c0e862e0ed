"""Preferences with a fake clock: quiet hours hold e-mail until the window ends, opt-outs suppress non-essential
kinds (never essential ones), per-kind channels, and the daily digest collects several notices into one e-mail.

Time is the service's injected clock (``FakeClock``): the test moves it and runs one dispatch; nothing sleeps.
The district's time zone (New York) comes from the meeting events, as scheduling publishes them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notification.app import create_app
from services.notification.settings import NotificationSettings
from shared.auth.principal import Role
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.feedback import SurveyIssued, SurveyTemplate
from shared.contracts.matching import MatchDeclined, RelationshipStarted
from shared.contracts.scheduling import MeetingCancelled, MeetingKind, MeetingScheduled, ReminderDue
from tests.integration.notification.conftest import FakeClock, mail_to, roster, text_of
from tests.plugins.services import eventually, running

NEW_YORK = "America/New_York"
MEETING = datetime(2025, 11, 5, 20, 0, tzinfo=UTC)


def settings(service_settings, mail_sink):
    return NotificationSettings(**service_settings("notification", smtp_port=mail_sink.port, dispatch_seconds=0.05))


def meeting(world, people, cls=MeetingScheduled, n=1, **extra):
    fields = {
        "program_id": "prog-1",
        "relationship_id": f"r-{world.tag}",
        "meeting_id": f"m{n}-{world.tag}",
        "meeting_kind": MeetingKind.CHECK_IN,
        "participant_ids": [world.pid(p) for p in people],
        "starts_at": MEETING,
        "time_zone": NEW_YORK,
        **({"duration_minutes": 60} if cls is MeetingScheduled else {}),
        **extra,
    }
    data = cls(**fields)
    return make_event(data, world.district, data.meeting_id, derived_id("test", cls.kind.type, data.meeting_id))


async def log_of(http, world, person, count):
    """The person's delivery log once it has ``count`` records."""

    async def check():
        rows = (await http.get(f"/people/{world.pid(person)}/deliveries")).json()
        return rows if len(rows) >= count else None

    return await eventually(check)


def teacher(auth, world, person):
    return auth(Role.MENTEE if person.role == "mentee" else Role.MENTOR, world.district, world.pid(person))


async def test_quiet_hours_hold_an_email_until_the_window_ends(service_settings, coordinator, auth, mail_sink, world, bus):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee")
    clock = FakeClock(datetime(2025, 11, 4, 3, 30, tzinfo=UTC))  # 22:30 in New York
    app = create_app(settings(service_settings, mail_sink), clock=clock)
    async with running(app, headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(ana, cleo))
        quiet = {"quiet_hours": {"start": "21:00", "end": "07:00"}}
        saved = await http.put("/me/preferences", json=quiet, headers=teacher(auth, world, cleo))
        assert saved.status_code == 200 and saved.json()["quiet_hours"] == {"start": "21:00:00", "end": "07:00:00"}
        await bus.publish(meeting(world, [ana, cleo]))

        await eventually(lambda: mail_to(mail_sink, ana))  # no quiet hours for Ana
        email, in_app = await log_of(http, world, cleo, 2)
        assert (email["channel"], email["status"], email["due_at"]) == ("email", "pending", "2025-11-04T12:00:00Z")
        assert in_app["status"] == "sent"  # the inbox does not interrupt anyone: no waiting
        clock.advance(hours=8, minutes=29)  # 06:59 local
        await app.state.dispatcher.dispatch_once()
        assert not mail_to(mail_sink, cleo)
        clock.advance(minutes=1)  # 07:00 local: the window ends
        await app.state.dispatcher.dispatch_once()
        (mail,) = await eventually(lambda: mail_to(mail_sink, cleo))
        assert "Wednesday, November 5, 2025, 3:00 PM (Eastern Standard Time)" in text_of(mail)
        email, _ = await log_of(http, world, cleo, 2)
        assert (email["status"], email["sent_at"]) == ("sent", "2025-11-04T12:00:00Z")


async def test_opt_out_suppresses_non_essential_kinds_only_and_channels_follow_preferences(
    service_settings, coordinator, auth, mail_sink, world, bus
):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee")
    async with running(create_app(settings(service_settings, mail_sink)), headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(ana, cleo))
        refused = await http.put("/me/preferences", json={"opted_out": ["meeting_cancelled"]}, headers=teacher(auth, world, cleo))
        assert refused.status_code == 422 and "meeting_cancelled cannot be opted out of (essential)" in refused.text
        out = await http.put("/me/preferences", json={"opted_out": ["meeting_scheduled"]}, headers=teacher(auth, world, cleo))
        assert out.json()["effective_channels"]["meeting_scheduled"] == []
        in_app_only = {"channels": {"meeting_scheduled": ["in_app"]}}
        assert (await http.put("/me/preferences", json=in_app_only, headers=teacher(auth, world, ana))).status_code == 200

        await bus.publish(meeting(world, [ana, cleo]))
        cleo_log = await log_of(http, world, cleo, 2)
        assert {(d["channel"], d["status"], d["error"]) for d in cleo_log} == {
            ("email", "suppressed", "opted out of meeting_scheduled"),
            ("in_app", "suppressed", "opted out of meeting_scheduled"),
        }
        (ana_log,) = await eventually(lambda: log_of(http, world, ana, 1))
        assert (ana_log["channel"], ana_log["status"]) == ("in_app", "sent")
        inbox = await http.get("/me/inbox", headers=teacher(auth, world, cleo))
        assert inbox.json()["total"] == 0

        await bus.publish(meeting(world, [ana, cleo], MeetingCancelled, n=1, cancelled_by=world.pid(ana)))
        (cancelled,) = await eventually(lambda: mail_to(mail_sink, cleo))  # essential: the opt-out cannot apply
        assert "has been cancelled by Ana Mentor" in text_of(cancelled)
        assert len(mail_to(mail_sink, ana)) == 1  # the cancellation only: the scheduled meeting went to her inbox
        metrics = (await http.get("/metrics")).text
        assert 'mentoring_notifications_suppressed_total{kind="meeting_scheduled"} 2.0' in metrics


async def test_the_digest_sends_one_email_with_several_notices(service_settings, coordinator, auth, mail_sink, world, bus):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee")
    clock = FakeClock(datetime(2025, 11, 3, 14, 0, tzinfo=UTC))  # 09:00 in New York
    app = create_app(settings(service_settings, mail_sink), clock=clock)
    async with running(app, headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(ana, cleo))
        digest = {"digest": True, "digest_hour": 18}
        assert (await http.put("/me/preferences", json=digest, headers=teacher(auth, world, cleo))).status_code == 200
        await bus.publish(meeting(world, [ana, cleo]))
        await log_of(http, world, cleo, 2)  # the district's zone is known from here on
        survey = SurveyIssued(
            program_id="prog-1",
            relationship_id=f"r-{world.tag}",
            survey_id=f"s-{world.tag}",
            respondent_id=world.pid(cleo),
            template=SurveyTemplate.MATCH_QUALITY_30D,
            due_at=MEETING + timedelta(days=10),
        )
        declined = MatchDeclined(program_id="prog-1", proposal_id="p1", mentor_id=world.pid(ana), mentee_id=world.pid(cleo))
        started = RelationshipStarted(
            program_id="prog-1", relationship_id="r2", mentor_id=world.pid(ana), mentee_id=world.pid(cleo), started_at=MEETING
        )
        for data, subject in ((survey, "s"), (declined, "p1"), (started, "r2")):
            await bus.publish(make_event(data, world.district, subject))
        reminder = {"reminder_id": "rem1", "duration_minutes": 60, "offset_minutes": 60}
        await bus.publish(meeting(world, [ana, cleo], ReminderDue, **reminder))

        # Essential notices and reminders do not wait for the digest.
        mails = await eventually(lambda: len(mail_to(mail_sink, cleo)) == 2 and mail_to(mail_sink, cleo))
        assert sorted(m["Subject"].split(":")[0].split()[0] for m in mails) == ["Reminder", "Your"]

        async def waiting():
            rows = await log_of(http, world, cleo, 10)
            return [d for d in rows if d["status"] != "sent"]

        pending = await eventually(lambda: _settled(waiting))
        assert sorted(d["kind"] for d in pending) == ["match_declined", "meeting_scheduled", "survey_issued"]
        assert {(d["channel"], d["status"], d["due_at"]) for d in pending} == {("email", "pending", "2025-11-03T23:00:00Z")}

        clock.advance(hours=9)  # 18:00 local
        await app.state.dispatcher.dispatch_once()
        mails = await eventually(lambda: len(mail_to(mail_sink, cleo)) == 3 and mail_to(mail_sink, cleo))
        (summary,) = [m for m in mails if m["Subject"].startswith("Your mentoring summary")]
        assert summary["Subject"] == "Your mentoring summary: 3 notices"
        body = text_of(summary)
        assert "Check-in on Wednesday, November 5, 2025, 3:00 PM (Eastern Standard Time)" in body
        assert "Please answer the 30-day mentoring check-in survey by Saturday, November 15, 2025" in body
        assert "Your mentoring request was not accepted" in body and "Ana Mentor is not able" in body
        await app.state.dispatcher.dispatch_once()  # nothing left: no second digest
        assert len(mail_to(mail_sink, cleo)) == 3

        def to_cleo():
            return [e for e in bus.events("sent", "email") if e["data"]["recipient_id"] == world.pid(cleo)]

        sent = await eventually(lambda: len(to_cleo()) == 5 and to_cleo())  # one event per notice, digested or not
        assert sorted(e["data"]["template"] for e in sent) == [
            "match_declined",
            "meeting_scheduled",
            "relationship_started",
            "reminder_due",
            "survey_issued",
        ]


async def _settled(waiting):
    """The deliveries not sent yet, once only the three digest e-mails remain."""
    rows = await waiting()
    return rows if len(rows) == 3 else None
