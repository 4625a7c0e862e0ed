"""The contact directory upload and the delivery log's input checks."""

from __future__ import annotations

from services.notification.app import create_app
from services.notification.settings import NotificationSettings
from tests.integration.notification.conftest import roster
from tests.plugins.services import running


async def test_contacts_upload_reports_bad_rows_and_keeps_the_good_ones(service_settings, coordinator, world):
    ana, cleo = world.person("T1", "Ana Mentor"), world.person("S1", "Cleo New", "mentee")
    app = create_app(NotificationSettings(**service_settings("notification")))
    async with running(app, headers=coordinator) as http:
        csv = roster(ana, cleo, extra="S2,Dev New,not-an-email,mentee,Adams,art,K-2,0,en")
        response = await http.post(f"/districts/{world.district}/contacts", content=csv, headers={"content-type": "text/csv"})
        assert response.status_code == 200
        report = response.json()
        assert (report["accepted"], report["new"]) == (2, 2)
        assert [(e["row"], e["field"]) for e in report["errors"]] == [(4, "email")]

        contacts = app.state.runtime.db["contacts"]
        stored = await contacts.find_one({"_id": world.pid(ana)})
        assert stored == {
            "_id": world.pid(ana),
            "district": world.district,
            "external_id": "T1",
            "name": "Ana Mentor",
            "email": ana.email,
            "language": "en",
        }
        assert await contacts.count_documents({"district": world.district}) == 2

        renamed = roster(world.person("T1", "Ana Renamed"))
        again = (await http.post(f"/districts/{world.district}/contacts", content=renamed)).json()
        assert (again["accepted"], again["new"], again["errors"]) == (1, 0, [])
        assert (await contacts.find_one({"_id": world.pid(ana)}))["name"] == "Ana Renamed"


async def test_unreadable_uploads_and_bad_parameters_are_422(service_settings, coordinator, world):
    async with running(create_app(NotificationSettings(**service_settings("notification"))), headers=coordinator) as http:
        missing = await http.post(f"/districts/{world.district}/contacts", content="id,name\n1,x\n")
        assert missing.status_code == 422 and "missing column(s): external_id" in missing.json()["detail"]
        binary = await http.post(f"/districts/{world.district}/contacts", content=b"\xff\xfe\x00bad")
        assert binary.status_code == 422 and "UTF-8" in binary.json()["detail"]
        bad_district = await http.post("/districts/D%207!/contacts", content=roster())
        assert bad_district.status_code == 422 and bad_district.json()["detail"][0]["loc"] == ["path", "district"]
        no_recipient = await http.get("/deliveries")
        assert no_recipient.status_code == 422 and no_recipient.json()["detail"][0]["loc"] == ["query", "recipient_id"]
        assert (await http.get("/deliveries", params={"recipient_id": "nobody"})).json() == []
        paths = (await http.get("/openapi.json")).json()["paths"]
        assert "text/csv" in paths["/districts/{district}/contacts"]["post"]["requestBody"]["content"]
