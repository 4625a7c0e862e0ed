"""A person's meetings as an iCalendar (RFC 5545) feed, at a URL whose random secret is the credential.

``POST /me/calendar-feed`` makes a new secret (256 random bits, URL-safe) and forgets the old one: only the
secret's SHA-256 is stored, so the database cannot hand out working URLs. Each meeting is one VEVENT with a
stable UID (``<meeting_id>@mentoring``), SEQUENCE = how often it was rescheduled, DTSTART/DTEND in UTC,
STATUS ``CONFIRMED`` (``CANCELLED`` once cancelled) and a SUMMARY naming the kind of meeting only: the
feed names nobody, so a leaked URL shows when someone meets, never with whom.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from icalendar import Calendar, Event
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.scheduling import MeetingKind
from shared.storage.mongo import Document

from .announce import ends_at
from .repository import SchedulingRepository
from .workflow import Clock, utc_now

PRODID: Final = "-//Teacher mentoring platform//Scheduling//EN"
SUMMARY: Final = {
    MeetingKind.CHECK_IN: "Mentoring check-in",
    MeetingKind.PRE_CONFERENCE: "Observation cycle: pre-conference",
    MeetingKind.OBSERVATION: "Observation cycle: classroom observation",
    MeetingKind.DEBRIEF: "Observation cycle: debrief",
    MeetingKind.REFLECTION: "Observation cycle: reflection",
    MeetingKind.GROUP_SESSION: "Mentoring group session",
}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def render(meetings: list[Document], now: datetime) -> bytes:
    """The iCalendar document of ``meetings``."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Mentoring meetings")
    for meeting in meetings:
        event = Event()
        event.add("uid", f"{meeting['_id']}@mentoring")
        event.add("dtstamp", now)
        event.add("dtstart", meeting["starts_at"])
        event.add("dtend", ends_at(meeting))
        event.add("sequence", meeting.get("sequence", 0))
        event.add("status", "CANCELLED" if meeting["status"] == "cancelled" else "CONFIRMED")
        event.add("summary", SUMMARY[MeetingKind(meeting["kind"])])
        calendar.add_component(event)
    return calendar.to_ical()


@dataclass
class Feeds:
    db: AsyncDatabase[Document]
    repo: SchedulingRepository
    clock: Clock = utc_now

    feeds: AsyncCollection[Document] = field(init=False)

    def __post_init__(self) -> None:
        self.feeds = self.db["calendar_feeds"]

    async def ensure_indexes(self) -> None:
        await self.feeds.create_index([("secret_sha256", ASCENDING)], unique=True)

    async def rotate(self, participant_id: str, district: str) -> str:
        """A new secret for the participant's feed; the previous URL stops working."""
        secret = secrets.token_urlsafe(32)
        doc = {"district": district, "secret_sha256": digest(secret), "created_at": self.clock()}
        await self.feeds.update_one({"_id": participant_id}, {"$set": doc}, upsert=True)
        return secret

    async def calendar(self, secret: str) -> bytes | None:
        """The feed the secret opens, or None when it opens none."""
        feed = await self.feeds.find_one({"secret_sha256": digest(secret)})
        if feed is None:
            return None
        return render(await self.repo.of_participant(feed["_id"], feed["district"]), self.clock())
