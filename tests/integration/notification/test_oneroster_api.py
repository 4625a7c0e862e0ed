"""The OneRoster 1.2 contact upload against real NATS, nx-27017 and an SMTP server."""

from __future__ import annotations

import io
import zipfile

from services.notification.app import create_app
from services.notification.settings import NotificationSettings
from shared.contracts.envelope import make_event
from shared.contracts.matching import RelationshipStarted
from shared.roster_upload import MAX_ROSTER_BYTES
from tests.integration.notification.conftest import Person, mail_to, oneroster
from tests.integration.notification.test_delivery_flow import STARTED
from tests.plugins.services import eventually, running

ZIP = {"content-type": "application/zip"}
NO_ADDRESS = "missing, this person cannot be sent notifications"


async def test_a_oneroster_upload_stores_teachers_and_reports_the_rest(service_settings, coordinator, world):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee")
    nomail = Person("S2", "Dev Nomail", "", "mentee")
    app = create_app(NotificationSettings(**service_settings("notification")))
    async with running(app, headers=coordinator) as http:
        url = f"/districts/{world.district}/oneroster"
        response = await http.post(url, content=oneroster(ana, nomail, cleo, students=2), headers=ZIP)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "accepted": 2,
            "new": 2,
            "skipped": 2,
            "errors": [{"row": 3, "field": "email", "reason": NO_ADDRESS, "file": "users.csv"}],
        }
        contacts = app.state.runtime.db["contacts"]
        assert await contacts.find_one({"_id": world.pid(ana)}) == {
            "_id": world.pid(ana),
            "district": world.district,
            "external_id": "T1",
            "name": "Ana Mentor",
            "email": ana.email,
            "language": "en",
        }
        assert await contacts.count_documents({"district": world.district}) == 2

        renamed = world.person("T1", "Ana Renamed")
        again = (await http.post(url, content=oneroster(renamed), headers=ZIP)).json()
        assert (again["accepted"], again["new"], again["skipped"], again["errors"]) == (1, 0, 0, [])
        assert (await contacts.find_one({"_id": world.pid(ana)}))["name"] == "Ana Renamed"

        metrics = (await http.get("/metrics")).text
        assert 'mentoring_contact_rows_total{outcome="skipped"} 2.0' in metrics
        assert 'mentoring_contact_rows_total{outcome="rejected"} 1.0' in metrics
        entry = await app.state.runtime.db["audit"].find_one({"target": url.lstrip("/")}, sort=[("at", 1)])
        assert entry["detail"] == {"accepted": 2, "new": 2, "rejected": 1, "skipped": 2}


async def test_the_role_comes_from_the_query_when_the_archive_has_none(service_settings, coordinator, world):
    ana = world.person("T1", "Ana Mentor")
    async with running(create_app(NotificationSettings(**service_settings("notification"))), headers=coordinator) as http:
        url = f"/districts/{world.district}/oneroster"
        without = _drop_metadata(oneroster(ana))
        refused = (await http.post(url, content=without, headers=ZIP)).json()
        assert refused["accepted"] == 0 and [(e["file"], e["row"], e["field"]) for e in refused["errors"]] == [
            ("users.csv", 2, "metadata.mentoring.role")
        ]
        kept = (await http.post(url, content=without, params={"role": "mentor"}, headers=ZIP)).json()
        assert (kept["accepted"], kept["new"], kept["errors"]) == (1, 1, [])
        bad_role = await http.post(url, content=without, params={"role": "coach"}, headers=ZIP)
        assert bad_role.status_code == 422 and bad_role.json()["detail"][0]["loc"] == ["query", "role"]


async def test_unreadable_archives_are_422_and_oversized_ones_413(service_settings, coordinator, world):
    app = create_app(NotificationSettings(**service_settings("notification")))
    async with running(app, headers=coordinator) as http:
        url = f"/districts/{world.district}/oneroster"
        not_zip = await http.post(url, content=b"external_id,name\n", headers=ZIP)
        assert not_zip.status_code == 422 and not_zip.json()["detail"].startswith("oneroster: not a ZIP archive")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("users.csv", "sourcedId,givenName,familyName\n")
        no_orgs = await http.post(url, content=buffer.getvalue(), headers=ZIP)
        assert no_orgs.status_code == 422 and "no orgs.csv" in no_orgs.json()["detail"]
        too_big = await http.post(url, content=b"\0" * (MAX_ROSTER_BYTES + 1), headers=ZIP)
        assert too_big.status_code == 413
        assert await app.state.runtime.db["contacts"].count_documents({}) == 0
        operation = (await http.get("/openapi.json")).json()["paths"]["/districts/{district}/oneroster"]["post"]
        assert "application/zip" in operation["requestBody"]["content"]
        assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["role"]


async def test_oneroster_contacts_receive_notifications(service_settings, coordinator, mail_sink, world, bus):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee")
    settings = NotificationSettings(**service_settings("notification", smtp_port=mail_sink.port))
    async with running(create_app(settings), headers=coordinator) as http:
        url = f"/districts/{world.district}/oneroster"
        assert (await http.post(url, content=oneroster(ana, cleo), headers=ZIP)).json()["new"] == 2
        data = RelationshipStarted(
            program_id="prog-1",
            relationship_id=f"r-{world.tag}",
            mentor_id=world.pid(ana),
            mentee_id=world.pid(cleo),
            started_at=STARTED,
        )
        await bus.publish(make_event(data, district=world.district, subject=data.relationship_id))
        await eventually(lambda: mail_to(mail_sink, ana) and mail_to(mail_sink, cleo))
        assert "Cleo New" in mail_to(mail_sink, ana)[0]["Subject"]


def _drop_metadata(data: bytes) -> bytes:
    """The same archive with the metadata.mentoring.* columns removed from users.csv."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            text = source.read(name).decode()
            if name == "users.csv":
                keep = [i for i, c in enumerate(text.splitlines()[0].split(",")) if not c.startswith("metadata.")]
                text = "".join(",".join(line.split(",")[i] for i in keep) + "\n" for line in text.splitlines())
            target.writestr(name, text)
    return out.getvalue()
