"""Helpers for the notification tests: a unique district, a roster, the bus and the mail sink."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from shared.auth.principal import Role
from shared.contracts.envelope import CloudEvent
from shared.contracts.subjects import EventKind
from shared.messaging.broker import durable_name
from shared.roster import participant_id
from tests.plugins.services import eventually

HEADER = "external_id,name,email,role,school,subjects,grade_bands,years_experience,language"


@dataclass(frozen=True)
class Person:
    external_id: str
    name: str
    email: str
    role: str = "mentor"
    language: str = "en"

    def row(self) -> str:
        return f"{self.external_id},{self.name},{self.email},{self.role},Lincoln,math,6-8,3,{self.language}"


@dataclass
class World:
    """One test's district: its people, the events the service published, and the mail they got."""

    district: str
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def person(self, external_id: str, name: str, role: str = "mentor", language: str = "en") -> Person:
        return Person(external_id, name, f"{external_id.lower()}-{self.tag}@example.org", role, language)

    def pid(self, person: Person) -> str:
        return participant_id(self.district, person.external_id)


def roster(*people: Person, extra: str = "") -> str:
    return "\n".join([HEADER, *(p.row() for p in people), *([extra] if extra else [])]) + "\n"


USERS_HEADER = (
    "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,"
    "sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,"
    "preferredFamilyName,primaryOrgSourcedId,pronouns,metadata.mentoring.role,metadata.mentoring.language"
).split(",")
ORGS_CSV = (
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
    "dist,,,District,district,,\n"
    "lin,,,Lincoln,school,,dist\n"
)


def oneroster(*people: Person, students: int = 0) -> bytes:
    """A OneRoster 1.2 CSV ZIP: ``people`` as teachers of Lincoln (role in metadata.mentoring.role), then students."""
    users, roles = io.StringIO(), io.StringIO()
    writer = csv.DictWriter(users, USERS_HEADER, restval="")
    writer.writeheader()
    roles.write(
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n"
    )
    pupils = [Person(f"P{i}", f"Pupil {i}", f"p{i}@example.org", "student") for i in range(students)]
    for n, p in enumerate([*people, *pupils]):
        given, _, family = p.name.partition(" ")
        cells = {"sourcedId": f"u{n}", "enabledUser": "true", "identifier": p.external_id, "givenName": given}
        cells |= {"familyName": family, "email": p.email, "primaryOrgSourcedId": "lin"}
        role = "student" if p.role == "student" else "teacher"
        mentoring = {"metadata.mentoring.role": p.role, "metadata.mentoring.language": "en"} if role == "teacher" else {}
        writer.writerow(cells | mentoring)
        roles.write(f"r{n},,,u{n},primary,{role},,,lin,\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.csv", "propertyName,value\noneroster.version,1.2\n")
        zf.writestr("users.csv", users.getvalue())
        zf.writestr("orgs.csv", ORGS_CSV)
        zf.writestr("roles.csv", roles.getvalue())
    return buffer.getvalue()


def mail_to(sink: Any, person: Person) -> list[EmailMessage]:
    return [m for m in sink.messages if any(a.addr_spec == person.email for a in m["To"].addresses)]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()  # type: ignore[no-any-return]


@dataclass
class Bus:
    nc: Client
    js: JetStreamContext
    seen: list[dict[str, Any]]

    async def publish(self, env: CloudEvent[Any], msg_id: str | None = None) -> int:
        """Publish like a producer would; a different ``msg_id`` simulates a redelivery JetStream cannot dedupe."""
        ack = await self.js.publish(env.nats_subject, env.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id or env.id})
        assert not ack.duplicate
        return ack.seq

    def events(self, action: str, channel: str | None = None) -> list[dict[str, Any]]:
        """Outcome events seen (of one channel), one per envelope id (an outbox may publish an id twice)."""
        unique = {e["body"]["id"]: e["body"] for e in self.seen if e["subject"].endswith(f".notification.{action}.v1")}
        return [e for e in unique.values() if channel is None or e["data"]["channel"] == channel]

    async def stored(self, subject: str) -> int:
        """How many messages the NOTIFICATION stream holds on ``subject``."""
        info = await self.js.stream_info("NOTIFICATION", subjects_filter=subject)
        return (info.state.subjects or {}).get(subject, 0)

    async def settled(self, kind: EventKind, seq: int) -> None:
        """Wait until notification's consumer of ``kind`` acknowledged every message up to stream ``seq``."""
        durable = durable_name("notification", f"{kind.entity}_{kind.action}_v{kind.version}")

        async def acked() -> bool:
            info = await self.js.consumer_info(kind.domain.value.upper(), durable)
            return info.ack_floor is not None and (info.ack_floor.stream_seq or 0) >= seq

        await eventually(acked)


class FakeClock:
    """The service's clock in tests: time moves only when the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def world() -> World:
    return World(district=f"N{uuid.uuid4().hex[:12]}")


@pytest.fixture
def coordinator(auth: Any, world: World) -> dict[str, str]:
    """Request headers of the test district's coordinator."""
    return auth(Role.DISTRICT_COORDINATOR, world.district)  # type: ignore[no-any-return]


@pytest.fixture
async def bus(nats_server: Any, world: World) -> AsyncIterator[Bus]:
    nc = await nats.connect(nats_server.url)
    seen: list[dict[str, Any]] = []

    async def collect(msg: Any) -> None:
        seen.append({"subject": msg.subject, "headers": msg.headers, "body": json.loads(msg.data)})

    await nc.subscribe(f"mentoring.notification.{world.district}.>", cb=collect)
    yield Bus(nc, nc.jetstream(), seen)
    await nc.close()
