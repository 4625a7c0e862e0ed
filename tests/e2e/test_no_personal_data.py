"""End to end: every message published during the whole flow is recorded; none carries a name, an e-mail or a comment.

The five services run as their own processes on real NATS (with per-user permissions), nx-27017 and SMTP. A raw
nats-py client, connected as the read-only ``observer`` user, subscribes to ``mentoring.>`` (every event subject,
dead letters included; services may publish nowhere else) before the first request.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

from devstack.keys import mint
from devstack.stack import Stack
from shared.auth.principal import Role
from tests.e2e.http import ok
from tests.plugins.services import eventually

DISTRICT = "PII1"
# Distinctive, partly non-ASCII names: JSON may carry them \u-escaped, so bodies are searched decoded too.
PEOPLE = [
    ("M1", "Maribel Quintanilla-Ortiz", "maribel.quintanilla@example.org", "mentor", "math", "6-8", "14", "es"),
    ("M2", "Jürgen Weißmüller", "juergen.weissmueller@example.org", "mentor", "english", "9-12", "9", "en"),
    ("M3", "Siobhán Ó Briain", "siobhan.obriain@example.org", "mentor", "science", "3-5", "20", "fr"),
    ("N1", "Priyanka Venkataraman", "priyanka.venkat@example.org", "mentee", "math", "6-8", "0", "en"),
    ("N2", "Thandiwe Mokoena", "thandiwe.mokoena@example.org", "mentee", "english", "9-12", "1", "en"),
    ("N3", "Zoltán Kovács", "zoltan.kovacs@example.org", "mentee", "science", "3-5", "0", "en"),
    ("N4", "Ngozi Adebayo-Okafor", "ngozi.adebayo@example.org", "mentee", "art", "K-2", "0", "en"),
]
ROSTER = "external_id,name,email,role,school,subjects,grade_bands,years_experience,language,trained\n" + "".join(
    f"{eid},{name},{email},{role},Lincoln,{subjects},{bands},{years},{lang},{'yes' if role == 'mentor' else ''}\n"
    for eid, name, email, role, subjects, bands, years, lang in PEOPLE
)
COMMENT = "Unser Gespräch über Klassenführung war großartig — merci Zoltán, quokka-7781!"
MAILS = 3 * (2 + 2 * 8 + 2) + 2  # three relationships: started to both, four meetings to both, a survey each; 2 pulses
# Every event kind the flow produces, with the least number of distinct envelopes expected of each.
EXPECTED = {
    "program.created": 1,
    "participant.enrolled": 7,
    "match.proposed": 3,
    "match.approved": 3,
    "relationship.started": 3,
    "meeting.scheduled": 24,
    "meeting.completed": 1,
    "meeting.missed": 1,
    "survey.issued": 8,  # match quality to six, the completed check-in's pulse to two
    "survey.submitted": 1,
    "notification.sent": MAILS,
}


@dataclass
class Recorder:
    """Every message on ``mentoring.>``: subject, headers and raw body, as the server delivered them."""

    nc: Client
    messages: list[Msg] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    @classmethod
    async def start(cls, url: str) -> Recorder:
        errors: list[BaseException] = []

        async def on_error(exc: BaseException) -> None:
            errors.append(exc)  # e.g. a permissions violation: the recording would be silently empty

        recorder = cls(await nats.connect(url, error_cb=on_error), errors=errors)

        async def record(msg: Msg) -> None:
            recorder.messages.append(msg)

        await recorder.nc.subscribe("mentoring.>", cb=record)
        await recorder.nc.flush()
        return recorder

    def has_everything(self) -> bool:
        """Every kind of event the flow produces, as many times as it must (the mail takes longest)."""
        return all(self.distinct(kind) >= least for kind, least in EXPECTED.items())

    def distinct(self, kind: str) -> int:
        """Distinct envelopes of ``kind`` (an outbox may publish an envelope twice; JetStream keeps one)."""
        return len({json.loads(m.data)["id"] for m in self.messages if m.subject.split(".", 3)[-1].startswith(kind + ".v")})


def needles() -> list[str]:
    """Names (whole, and each part of 4+ letters), e-mail addresses (whole, and the local part), the comment."""
    found = {COMMENT, "quokka-7781"}
    for _, name, email, *_ in PEOPLE:
        found |= {name, email, email.split("@")[0]}
        found |= {part for part in name.replace("-", " ").split() if len(part) >= 4}
    return sorted(found)


def strings(value: Any) -> Iterator[str]:
    """Every key and string value of a decoded JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif value is not None:
        yield str(value)


def haystack(msg: Msg) -> str:
    text = msg.data.decode("utf-8", errors="replace")
    try:
        decoded = " ".join(strings(json.loads(msg.data)))
    except ValueError:
        decoded = ""
    headers = " ".join(f"{k}: {v}" for k, v in (msg.headers or {}).items())
    return "\n".join([msg.subject, headers, text, decoded]).casefold()


def leaks(messages: list[Msg], searched: list[str]) -> list[str]:
    """One line per (message, needle) found: the subject, headers and the start of the body."""
    return [
        f"{needle!r} in {m.subject}: {m.headers} {m.data[:300]!r}"
        for m in messages
        for needle in searched
        if needle.casefold() in haystack(m)
    ]


def test_the_leak_search_sees_escaped_bodies_and_headers() -> None:
    escaped = Msg(None, subject="mentoring.x", data=json.dumps({"note": COMMENT}).encode())  # type: ignore[arg-type]
    in_header = Msg(None, subject="mentoring.y", data=b"{}", headers={"X-To": PEOPLE[0][2]})  # type: ignore[arg-type]
    clean = Msg(None, subject="mentoring.z", data=b'{"id": "7a82d1b2", "rating": 5}')  # type: ignore[arg-type]
    assert "\\u00e4" in escaped.data.decode()  # json.dumps escapes non-ASCII: a raw search would miss it
    found = leaks([escaped, in_header, clean], needles())
    assert {line.split(": ")[0] for line in found} == {
        f"{COMMENT!r} in mentoring.x",
        "'quokka-7781' in mentoring.x",
        "'Zoltán' in mentoring.x",
        "'Maribel' in mentoring.y",
        "'Quintanilla' in mentoring.y",
        "'maribel.quintanilla' in mentoring.y",
        "'maribel.quintanilla@example.org' in mentoring.y",
    }


def bearer(stack: Stack, subject: str, role: Role) -> dict[str, str]:
    assert stack.signing_key is not None
    return {"Authorization": f"Bearer {mint(stack.signing_key, subject=subject, role=role, district=DISTRICT)}"}


async def run_flow(http: httpx.AsyncClient, url: dict[str, str], stack: Stack, recorder: Recorder) -> None:
    """Program, roster and contacts, match run, approve all, meeting outcomes, a survey answer with a comment."""
    csv = {"content-type": "text/csv"}
    program = ok(await http.post(f"{url['matching']}/programs", json={"district": DISTRICT, "name": "Induction"}))["id"]
    assert ok(await http.post(f"{url['matching']}/programs/{program}/roster", content=ROSTER, headers=csv))["accepted"] == 7
    assert (
        ok(await http.post(f"{url['notification']}/districts/{DISTRICT}/contacts", content=ROSTER, headers=csv))["accepted"] == 7
    )
    run = ok(await http.post(f"{url['matching']}/programs/{program}/match-runs?wait=30"))
    assert len(run["proposals"]) == 3
    for proposal in run["proposals"]:
        ok(await http.post(f"{url['matching']}/proposals/{proposal['id']}/approve"))
    first = ok(await http.get(f"{url['matching']}/programs/{program}/relationships"))[0]

    async def meetings() -> Any:
        found = ok(await http.get(f"{url['scheduling']}/meetings", params={"relationship_id": first["id"]}))
        return len(found) == 8 and found

    by_kind = {m["kind"]: m for m in await eventually(meetings, timeout=60)}
    ok(await http.post(f"{url['scheduling']}/meetings/{by_kind['check_in']['id']}/complete", json={"duration_minutes": 50}))
    ok(
        await http.post(
            f"{url['scheduling']}/meetings/{by_kind['debrief']['id']}/missed", json={"absent_ids": [first["mentee_id"]]}
        )
    )

    async def surveys() -> Any:
        return ok(await http.get(f"{url['feedback']}/surveys", params={"relationship_id": first["id"]}))

    survey = (await eventually(surveys, timeout=60))[0]
    respondent = bearer(stack, survey["respondent_id"], Role(survey["role"]))
    answer = {"answers": {"overall": 5, "comment": COMMENT}}
    ok(await http.post(f"{url['feedback']}/surveys/{survey['id']}/responses", json=answer, headers=respondent))

    await eventually(recorder.has_everything, timeout=90)


async def test_no_name_email_or_comment_is_ever_published(stack: Stack) -> None:
    recorder = await Recorder.start(stack.env["NATS_URL"])  # the observer: may read mentoring.>, publish nothing
    try:
        coordinator = bearer(stack, "pii-coordinator", Role.DISTRICT_COORDINATOR)
        async with httpx.AsyncClient(timeout=30, headers=coordinator) as http:
            await run_flow(http, {name: proc.url for name, proc in stack.services.items()}, stack, recorder)
    finally:
        await recorder.nc.drain()

    assert not recorder.errors, f"the recorder's connection reported errors: {recorder.errors}"
    assert recorder.has_everything(), Counter(m.subject.split(".", 3)[-1] for m in recorder.messages)
    assert not leaks(recorder.messages, needles()), "personal data on the bus:\n" + "\n".join(leaks(recorder.messages, needles()))
