"""Reminders (ReminderDue on the real JetStream) reach the real SMTP sink once each, in each recipient's language.

The issue's "done when": a reminder arrives once per recipient even when the same event is delivered twice
(different Nats-Msg-Id, as a redelivery or a second scheduling replica would publish it), worded and dated for
the recipient's locale in the district's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.notification.app import create_app
from services.notification.settings import NotificationSettings
from shared.auth.principal import Role
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.scheduling import MeetingKind, ReminderDue
from tests.integration.notification.conftest import mail_to, roster, text_of
from tests.plugins.services import eventually, running

STARTS = datetime(2025, 11, 3, 22, 30, tzinfo=UTC)  # 23:30 in Madrid, 14:30 in Los Angeles


def reminder(world, people, *, zone: str, offset: int = 60, late: bool = False):
    data = ReminderDue(
        program_id="prog-1",
        relationship_id=f"r-{world.tag}",
        meeting_id=f"m-{world.tag}",
        reminder_id=f"rem-{offset}-{world.tag}",
        meeting_kind=MeetingKind.CHECK_IN,
        participant_ids=[world.pid(p) for p in people],
        starts_at=STARTS,
        duration_minutes=60,
        time_zone=zone,
        offset_minutes=offset,
        late=late,
    )
    return make_event(data, world.district, data.meeting_id, derived_id("test.reminder", data.reminder_id))


async def test_each_recipient_gets_one_reminder_in_their_language_even_when_the_event_comes_twice(
    service_settings, coordinator, auth, mail_sink, world, bus
):
    ana = world.person("T1", "Ana García", language="es")
    cleo = world.person("S1", "Cleo Martin", "mentee", language="fr")
    dev = world.person("S2", "Dev Patel", "mentee", language="en")
    config = NotificationSettings(**service_settings("notification", smtp_port=mail_sink.port, dispatch_seconds=0.05))
    async with running(create_app(config), headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(ana, cleo, dev))
        event = reminder(world, [ana, cleo, dev], zone="Europe/Madrid")
        await bus.publish(event)
        seq = await bus.publish(event, msg_id=f"second-replica-{event.id}")

        await eventually(lambda: all(mail_to(mail_sink, p) for p in (ana, cleo, dev)))
        await bus.settled(ReminderDue.kind, seq)
        await eventually(lambda: len(bus.events("sent", "email")) == 3)
        (to_ana,), (to_cleo,), (to_dev,) = (mail_to(mail_sink, p) for p in (ana, cleo, dev))

        assert to_ana["Subject"].startswith("Recordatorio: reunión de seguimiento, lunes, 3 de noviembre de 2025, 23:30")
        spanish = text_of(to_ana)
        assert spanish.startswith("Hola, Ana García:")
        assert "Se acerca su reunión de seguimiento con Cleo Martin y Dev Patel." in spanish
        assert "Fecha y hora: lunes, 3 de noviembre de 2025, 23:30 (hora estándar de Europa central)" in spanish
        assert "Duración: 1 hora" in spanish and "Reminder" not in spanish

        assert to_cleo["Subject"].startswith("Rappel : séance de suivi le lundi 3 novembre 2025, 23:30")
        french = text_of(to_cleo)
        assert "Votre séance de suivi avec Ana García et Dev Patel approche." in french
        assert "Durée : 1 heure" in french

        assert to_dev["Subject"].startswith("Reminder: check-in on Monday, November 3, 2025, 11:30 PM")
        assert "Your check-in with Ana García and Cleo Martin is coming up." in text_of(to_dev)

        # The inbox keeps the same text, in the same language.
        inbox = await http.get("/me/inbox", headers=auth(Role.MENTOR, world.district, world.pid(ana)))
        (entry,) = inbox.json()["items"]
        assert entry["kind"] == "reminder_due" and entry["subject"] == " ".join(to_ana["Subject"].split())
        assert "Se acerca su reunión de seguimiento" in entry["body"] and not entry["read"]
        metrics = (await http.get("/metrics")).text
        assert 'mentoring_notifications_sent_total{channel="email",kind="reminder_due"} 3.0' in metrics


async def test_a_late_reminder_says_so_in_the_district_zone(service_settings, coordinator, mail_sink, world, bus):
    ana = world.person("T1", "Ana García", language="es")
    config = NotificationSettings(**service_settings("notification", smtp_port=mail_sink.port, dispatch_seconds=0.05))
    async with running(create_app(config), headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(ana))
        await bus.publish(reminder(world, [ana], zone="America/Los_Angeles", offset=1440, late=True))
        (mail,) = await eventually(lambda: mail_to(mail_sink, ana))
        body = text_of(mail)
        assert body.count("Este recordatorio llega más tarde de lo previsto.") == 1
        assert "lunes, 3 de noviembre de 2025, 14:30 (hora estándar del Pacífico)" in body
