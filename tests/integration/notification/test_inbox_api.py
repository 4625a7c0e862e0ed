"""The in-app inbox over HTTP: newest first, paginated, unread count, mark read; only one's own entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notification.app import create_app
from services.notification.settings import NotificationSettings
from shared.auth.principal import Role
from shared.contracts.envelope import make_event
from shared.contracts.feedback import SurveyIssued, SurveyTemplate
from shared.contracts.matching import RelationshipStarted
from shared.contracts.scheduling import MeetingKind, MeetingScheduled
from tests.integration.notification.conftest import FakeClock, roster
from tests.plugins.services import eventually, running

T0 = datetime(2025, 10, 14, 15, 30, tzinfo=UTC)


async def test_inbox_lists_counts_and_marks_read(service_settings, coordinator, auth, mail_sink, world, bus):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee", language="fr")
    as_cleo = auth(Role.MENTEE, world.district, world.pid(cleo))
    as_ana = auth(Role.MENTOR, world.district, world.pid(ana))
    clock = FakeClock(T0)
    config = NotificationSettings(**service_settings("notification", smtp_port=mail_sink.port))
    events = [
        RelationshipStarted(
            program_id="p", relationship_id="r1", mentor_id=world.pid(ana), mentee_id=world.pid(cleo), started_at=T0
        ),
        MeetingScheduled(
            program_id="p",
            relationship_id="r1",
            meeting_id="m1",
            meeting_kind=MeetingKind.OBSERVATION,
            participant_ids=[world.pid(ana), world.pid(cleo)],
            starts_at=T0 + timedelta(days=7),
            duration_minutes=45,
            time_zone="Europe/Paris",
        ),
        SurveyIssued(
            program_id="p",
            relationship_id="r1",
            survey_id="s1",
            respondent_id=world.pid(cleo),
            template=SurveyTemplate.MATCH_QUALITY_30D,
            due_at=T0 + timedelta(days=30),
        ),
    ]
    async with running(create_app(config, clock=clock), headers=coordinator) as http:
        await http.post(f"/districts/{world.district}/contacts", content=roster(ana, cleo))
        for n, data in enumerate(events, start=1):
            await bus.publish(make_event(data, world.district, f"subject-{n}"))

            async def stored(n=n):
                return (await http.get("/me/inbox/unread-count", headers=as_cleo)).json()["unread"] == n

            await eventually(stored)
            clock.advance(minutes=1)

        page = (await http.get("/me/inbox", headers=as_cleo)).json()
        assert (page["total"], page["unread"], page["limit"], page["offset"]) == (3, 3, 20, 0)
        assert [i["kind"] for i in page["items"]] == ["survey_issued", "meeting_scheduled", "relationship_started"]
        survey, observation, _ = page["items"]
        assert observation["subject"].startswith("Observation en classe le mardi 21 octobre 2025, 17:30")
        assert "Une observation en classe a été planifiée avec Ana Mentor." in observation["body"]
        assert "Bonjour" not in observation["body"] and not observation["read"] and observation["read_at"] is None
        second = (await http.get("/me/inbox", params={"limit": 1, "offset": 1}, headers=as_cleo)).json()
        assert [i["id"] for i in second["items"]] == [observation["id"]] and second["total"] == 3

        read = await http.post(f"/me/inbox/{observation['id']}/read", headers=as_cleo)
        assert read.status_code == 200 and read.json()["read"] is True
        assert read.json()["read_at"] == (T0 + timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
        clock.advance(hours=1)
        again = await http.post(f"/me/inbox/{observation['id']}/read", headers=as_cleo)
        assert again.json()["read_at"] == read.json()["read_at"]  # idempotent: the first reading counts
        assert (await http.get("/me/inbox/unread-count", headers=as_cleo)).json() == {"unread": 2}

        # Another person's entry, or no entry at all, is simply unknown; coordinators have no inbox.
        assert (await http.post(f"/me/inbox/{observation['id']}/read", headers=as_ana)).status_code == 404
        assert (await http.post("/me/inbox/nothing-here/read", headers=as_cleo)).status_code == 404
        assert (await http.get("/me/inbox")).status_code == 403
        ana_page = (await http.get("/me/inbox", headers=as_ana)).json()
        assert ana_page["total"] == 2 and ana_page["unread"] == 2 and survey["id"] not in {i["id"] for i in ana_page["items"]}

        mine = (await http.get("/me/deliveries", headers=as_cleo)).json()
        assert {d["recipient_id"] for d in mine} == {world.pid(cleo)} and len(mine) == 6
        assert {d["id"] for d in mine if d["channel"] == "in_app"} == {i["id"] for i in page["items"]}
