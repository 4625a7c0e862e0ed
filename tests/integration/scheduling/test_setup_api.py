"""What meetings are planned from, over HTTP: program cadences, district calendars, availability (one by one and
from the roster CSV). Bad input is a 422 naming the field."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.auth.principal import Role
from shared.roster import participant_id
from tests.plugins.services import eventually

from .test_first_meetings import TUESDAY

CADENCE = {
    "check_ins": {"every_weeks": 2, "duration_minutes": 45, "weekday": "thu"},
    "observation_cycle": None,
    "term_start": "2025-03-03",
    "term_end": "2025-06-13",
    "reminder_offsets_minutes": [120],
    "horizon_weeks": 6,
}


async def _program(http, bus) -> str:
    program = f"prog-{uuid.uuid4().hex[:8]}"
    await bus.publish(bus.program(program))
    await eventually(lambda: _status(http, f"/programs/{program}/cadence", 200))
    return program


async def _status(http, url: str, status: int) -> bool:
    return (await http.get(url)).status_code == status


async def test_a_program_cadence_shapes_the_meetings_planned_after_it(http, bus, auth, app):
    program = await _program(http, bus)
    url = f"/programs/{program}/cadence"
    defaults = (await http.get(url)).json()
    assert defaults["check_ins"] == {"every_weeks": 1, "duration_minutes": 60, "weekday": None}
    assert [s["kind"] for s in defaults["observation_cycle"]["steps"]] == [
        "pre_conference",
        "observation",
        "debrief",
        "reflection",
    ]
    assert (defaults["reminder_offsets_minutes"], defaults["overdue_grace_hours"]) == ([1440, 60], 48)
    assert (defaults["induction_minimum_minutes"], defaults["horizon_weeks"]) == (240, 4)

    saved = await http.put(url, json=CADENCE)
    assert saved.status_code == 200, saved.text
    assert (await http.get(url)).json() == saved.json()
    rid = f"rel-{uuid.uuid4().hex[:8]}"
    await bus.publish(bus.started(rid, TUESDAY, program=program))

    async def three() -> list[dict] | None:
        found = (await http.get("/meetings", params={"relationship_id": rid})).json()
        return found if len(found) == 3 else None

    meetings = await eventually(three)  # fortnightly on Thursdays, six weeks ahead, no observation cycle
    assert [(m["kind"], m["starts_at"].replace("+00:00", "Z"), m["duration_minutes"]) for m in meetings] == [
        ("check_in", "2025-03-06T16:00:00Z", 45),
        ("check_in", "2025-03-20T16:00:00Z", 45),
        ("check_in", "2025-04-03T16:00:00Z", 45),
    ]
    reminders = await app.state.reminders.store.of_meeting(meetings[0]["id"])
    assert [(r["offset_minutes"], r["due_at"]) for r in reminders] == [(120, datetime(2025, 3, 6, 14, tzinfo=UTC))]


async def test_cadence_rules_are_validated_and_guarded(http, bus, auth):
    program = await _program(http, bus)
    url = f"/programs/{program}/cadence"
    bad = {
        ("check_ins", "every_weeks"): {"check_ins": {"every_weeks": 0}},
        ("check_ins", "weekday"): {"check_ins": {"weekday": "someday"}},
        ("reminder_offsets_minutes",): {"reminder_offsets_minutes": [60, 60]},
        ("horizon_weeks",): {"horizon_weeks": 100},
        ("observation_cycle",): {"observation_cycle": {"steps": [{"kind": "debrief"}, {"kind": "debrief"}]}},
        (): {"term_start": "2025-06-01", "term_end": "2025-01-01"},
    }
    for where, body in bad.items():
        response = await http.put(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert tuple(response.json()["detail"][0]["loc"][1 : 1 + len(where)]) == where, response.json()
    assert (await http.put(url, json={"check_ins": None})).json()["check_ins"] is None
    assert (await http.put(url, json=CADENCE, headers=auth(Role.DISTRICT_COORDINATOR, "elsewhere"))).status_code == 404
    assert (await http.put(url, json=CADENCE, headers=auth(Role.MENTOR, bus.district, "m1"))).status_code == 403
    assert (await http.get(url, headers=auth(Role.STATE_ADMIN))).status_code == 200
    assert (await http.get("/programs/no-such-program/cadence")).status_code == 404


async def test_a_district_calendar_is_validated(http, bus, auth):
    url = f"/districts/{bus.district}/calendar"
    default = (await http.get(url)).json()
    assert (default["time_zone"], default["school_days"], default["closed"]) == ("UTC", ["mon", "tue", "wed", "thu", "fri"], [])
    assert default["meeting_window"] == {"start": "16:00", "end": "18:00"}
    bad = {
        "time_zone": {"time_zone": "Mars/Olympus_Mons"},
        "closed": {"closed": [{"start": "2025-12-24", "end": "2025-12-20", "label": "Winter"}]},
        "meeting_window": {"meeting_window": {"start": "17:00", "end": "16:00"}},
        "school_days": {"school_days": []},
    }
    for field, body in bad.items():
        response = await http.put(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"][0]["loc"][1] == field
    assert "Mars/Olympus_Mons" in (await http.put(url, json=bad["time_zone"])).json()["detail"][0]["msg"]
    calendar = {"time_zone": "Europe/Paris", "closed": [{"start": "2025-04-21", "label": "Easter Monday"}]}
    saved = await http.put(url, json=calendar)
    assert saved.status_code == 200 and saved.json()["closed"] == [{"start": "2025-04-21", "end": None, "label": "Easter Monday"}]
    assert (await http.get(url)).json() == saved.json()
    assert (await http.put(f"/districts/{bus.district}x/calendar", json=calendar)).status_code == 403
    assert (await http.get(url, headers=auth(Role.MENTOR, bus.district, "m1"))).status_code == 403


async def test_availability_from_the_roster_csv_and_by_the_teacher(http, bus, auth):
    roster = (
        "external_id,name,email,role,school,subjects,grade_bands,years_experience,availability\n"
        "T1,Ann Lee,ann@example.org,mentor,Lincoln,math,6-8,12,tue 15:30-16:30; thu 08:00-08:45\n"
        "T2,Bo Chen,bo@example.org,mentee,Lincoln,math,6-8,1,\n"
        "T3,Cy Diaz,cy@example.org,mentee,Lincoln,math,6-8,2,someday 9-10\n"
    )
    url = f"/districts/{bus.district}/availability"
    report = await http.post(url, content=roster, headers={"content-type": "text/csv"})
    assert report.status_code == 200, report.text
    assert (report.json()["accepted"], report.json()["new"]) == (2, 1)
    assert [(e["row"], e["field"]) for e in report.json()["errors"]] == [(4, "availability")]
    ann = participant_id(bus.district, "T1")
    stored = (await http.get(f"/participants/{ann}/availability")).json()
    assert stored["windows"] == [
        {"weekday": "tue", "start": "15:30", "end": "16:30"},
        {"weekday": "thu", "start": "08:00", "end": "08:45"},
    ]
    assert (await http.get(f"/participants/{participant_id(bus.district, 'T2')}/availability")).status_code == 404
    again = await http.post(url, content=roster, headers={"content-type": "text/csv"})
    assert again.json()["new"] == 0

    own = auth(Role.MENTOR, bus.district, ann)
    windows = {"windows": [{"weekday": "wed", "start": "15:00", "end": "17:00"}]}
    assert (await http.put(f"/participants/{ann}/availability", json=windows, headers=own)).status_code == 200
    assert (await http.get(f"/participants/{ann}/availability", headers=own)).json()["windows"] == windows["windows"]
    backwards = {"windows": [{"weekday": "wed", "start": "17:00", "end": "15:00"}]}
    refused = await http.put(f"/participants/{ann}/availability", json=backwards, headers=own)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][:3] == ["body", "windows", 0]
    other = auth(Role.MENTEE, bus.district, participant_id(bus.district, "T2"))
    assert (await http.put(f"/participants/{ann}/availability", json=windows, headers=other)).status_code == 403
    assert (await http.get(f"/participants/{ann}/availability", headers=auth(Role.DISTRICT_COORDINATOR, "D9"))).status_code == 404
    assert (await http.post(f"/districts/{bus.district}x/availability", content=roster)).status_code == 403
