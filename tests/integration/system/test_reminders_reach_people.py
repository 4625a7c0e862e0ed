"""Issue 5's "done when", across services: reminders reach a real SMTP server once each, in the recipient's language,
with two scheduling replicas sweeping at once and a restart in between.

Two scheduling apps and a restarted third share one database and the real nats-server; notification delivers to the
real SMTP sink. Scheduling's time is a fake clock the test moves (nothing sleeps for a reminder to fall due).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime

import nats

from services.notification.app import create_app as notification_app
from services.notification.settings import NotificationSettings
from shared.auth.principal import Role
from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import RelationshipStarted
from shared.roster import participant_id
from tests.integration.scheduling.conftest import FakeClock, scheduling_app
from tests.plugins.services import eventually, running

HEADER = "external_id,name,email,role,school,subjects,grade_bands,years_experience,language"
# A Tuesday: the first check-in is Wednesday 5 March 2025 at 16:00 UTC (the default cadence and meeting window).
STARTED = datetime(2025, 3, 4, 9, tzinfo=UTC)
SUBJECT_START = {"es": "Recordatorio", "fr": "Rappel"}


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


async def test_reminders_reach_smtp_once_each_in_each_language_across_two_replicas_and_a_restart(
    service_settings, nats_server, mail_sink, auth
):
    district = f"R{uuid.uuid4().hex[:8]}"
    people = {"es": ("M1", "Marta Ruiz", "mentor"), "fr": ("E1", "Élodie Petit", "mentee")}
    csv = "\n".join(
        [
            HEADER,
            *(f"{e},{n},{e.lower()}-{district}@example.org,{r},Lincoln,math,6-8,3,{lang}" for lang, (e, n, r) in people.items()),
        ]
    )
    ids = {lang: participant_id(district, e) for lang, (e, _, _) in people.items()}
    started = RelationshipStarted(
        program_id="prog-r", relationship_id=f"rel-{district}", mentor_id=ids["es"], mentee_id=ids["fr"], started_at=STARTED
    )
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    settings, clock = service_settings("scheduling"), FakeClock(_at(3, 8))
    notify = notification_app(
        NotificationSettings(**service_settings("notification", smtp_port=mail_sink.port, dispatch_seconds=0.05))
    )
    async with running(notify, headers=auth(Role.DISTRICT_COORDINATOR, district)) as http:
        assert (await http.post(f"/districts/{district}/contacts", content=csv + "\n")).status_code == 200
        first, second = scheduling_app(settings, clock), scheduling_app(settings, clock)
        async with running(first), running(second):
            envelope = make_event(started, district, started.relationship_id, derived_id("test.started", district))
            await js.publish(envelope.nats_subject, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": envelope.id})
            await eventually(lambda: first.state.scheduling.repo.find(started.relationship_id, None, None))
            for now in (_at(4, 16, 1), _at(5, 15, 1)):  # the check-in's 24-hour, then 1-hour reminder falls due
                clock.now = now
                for _ in range(2):
                    await asyncio.gather(first.state.housekeeping.run(), second.state.housekeeping.run())
        # Both replicas down while the next check-in's 24-hour reminder falls due; a new replica starts, then restarts.
        clock.now = _at(11, 16, 30)
        for _ in range(2):
            restarted = scheduling_app(settings, clock)
            async with running(restarted):
                await restarted.state.housekeeping.run()

        def reminders_to(lang: str) -> list:
            address = f"{people[lang][0].lower()}-{district}@example.org"
            return [m for m in mail_sink.messages if m["To"] == address and m["Subject"].startswith(SUBJECT_START[lang])]

        await eventually(lambda: len(reminders_to("es")) == 3 and len(reminders_to("fr")) == 3, timeout=30)
        for _ in range(10):  # and no second copy turns up while the dispatcher keeps running
            await asyncio.sleep(0.1)
            assert len(reminders_to("es")) == len(reminders_to("fr")) == 3
        for lang in ("es", "fr"):
            mails = reminders_to(lang)
            assert len({m["Message-ID"] for m in mails}) == len(mails) == 3, Counter(m["Subject"] for m in mails)
        assert "reunión de seguimiento" in reminders_to("es")[0]["Subject"]
        assert "séance de suivi" in reminders_to("fr")[0]["Subject"]
    await nc.close()
