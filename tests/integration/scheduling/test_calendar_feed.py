"""The iCalendar feed: made by the teacher, fetched without a token, parsed by the icalendar library."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import httpx
from icalendar import Calendar

from shared.auth.principal import Role
from tests.plugins.services import eventually

from .test_first_meetings import PLAN, TUESDAY


async def _feed(http, url: str) -> Calendar:
    response = await http.get(httpx.URL(url).path, headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def _events(calendar: Calendar) -> dict[str, dict]:
    return {
        str(e["UID"]): {
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
            "sequence": int(e["SEQUENCE"]),
            "status": str(e["STATUS"]),
            "summary": str(e["SUMMARY"]),
        }
        for e in calendar.walk("VEVENT")
    }


async def test_feed_parses_and_follows_reschedules_and_cancellations(http, bus, auth, app):
    rid, mentee = f"rel-{uuid.uuid4().hex[:8]}", f"e-{uuid.uuid4().hex[:8]}"
    await bus.publish(bus.started(rid, TUESDAY, mentee=mentee))
    meetings = await eventually(lambda: _all(http, rid))
    own = auth(Role.MENTEE, bus.district, mentee)

    made = await http.post("/me/calendar-feed", headers=own)
    assert made.status_code == 200, made.text
    url = made.json()["url"]
    assert url.startswith("http://service/calendar/") and url.endswith(".ics")
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    stored = await app.state.feeds.feeds.find_one({"_id": mentee})
    assert stored["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest() and secret not in str(stored)

    calendar = await _feed(http, url)
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar
    events = _events(calendar)
    assert set(events) == {f"{m['id']}@mentoring" for m in meetings}
    check_in = events[f"{meetings[0]['id']}@mentoring"]
    assert check_in == {
        "start": datetime(2025, 3, 5, 16, tzinfo=UTC),
        "end": datetime(2025, 3, 5, 17, tzinfo=UTC),
        "sequence": 0,
        "status": "CONFIRMED",
        "summary": "Mentoring check-in",
    }
    assert "mentor-1" not in calendar.to_ical().decode()  # nobody is named

    moved, dropped = meetings[0]["id"], meetings[1]["id"]
    move = {"starts_at": "2025-03-06T17:00:00+00:00", "reason": "bus duty"}
    assert (await http.post(f"/meetings/{moved}/reschedule", json=move, headers=own)).status_code == 200
    assert (await http.post(f"/meetings/{dropped}/cancel", json={"reason": "ill"}, headers=own)).status_code == 200
    events = _events(await _feed(http, url))
    assert events[f"{moved}@mentoring"]["start"] == datetime(2025, 3, 6, 17, tzinfo=UTC)
    assert events[f"{moved}@mentoring"]["sequence"] == 1 and events[f"{moved}@mentoring"]["status"] == "CONFIRMED"
    assert events[f"{dropped}@mentoring"]["status"] == "CANCELLED" and events[f"{dropped}@mentoring"]["sequence"] == 0
    assert len(events) == len(PLAN)

    rotated = (await http.post("/me/calendar-feed", headers=own)).json()["url"]
    assert rotated != url
    assert (await http.get(httpx.URL(url).path)).status_code == 404  # the old secret stops working
    assert len(_events(await _feed(http, rotated))) == len(PLAN)


async def test_a_wrong_secret_is_404_and_only_teachers_have_a_feed(http, bus, auth):
    for path in ("/calendar/" + "A" * 43 + ".ics", "/calendar/short.ics", "/calendar/%2E%2E.ics"):
        response = await http.get(path, headers={"Authorization": ""})
        assert response.status_code == 404, path
    assert (await http.post("/me/calendar-feed")).status_code == 403  # the district's coordinator
    assert (await http.post("/me/calendar-feed", headers=auth(Role.STATE_ADMIN))).status_code == 403
    empty = (await http.post("/me/calendar-feed", headers=auth(Role.MENTOR, bus.district, "nobody-yet"))).json()["url"]
    calendar = await _feed(http, empty)
    assert calendar.walk("VEVENT") == []


async def _all(http, rid: str) -> list[dict] | None:
    found = (await http.get("/meetings", params={"relationship_id": rid})).json()
    return found if len(found) == len(PLAN) else None
