"""End to end: the five services as separate processes on real NATS, nx-27017 and SMTP, driven over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import nats

from devstack.keys import mint
from devstack.stack import Stack
from shared.auth.principal import Role
from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import RelationshipStarted
from shared.messaging.broker import PULL_BATCH_SIZE
from shared.roster import participant_id
from tests.e2e.http import ok

DISTRICT = "E2E1"
ROSTER = """external_id,name,email,role,school,subjects,grade_bands,years_experience,language,trained
M1,Maria Lopez,maria.e2e@example.org,mentor,Lincoln,math,6-8,14,es,yes
M2,Noah Kim,noah.e2e@example.org,mentor,Lincoln,english,9-12,9,en,yes
M3,Olga Petrova,olga.e2e@example.org,mentor,Adams,science,3-5,20,fr,yes
N1,Pat Doe,pat.e2e@example.org,mentee,Lincoln,math,6-8,0,en,
N2,Quinn Roe,quinn.e2e@example.org,mentee,Lincoln,english,9-12,1,en,
N3,Ravi Shah,ravi.e2e@example.org,mentee,Adams,science,3-5,0,en,
N4,Sam Art,sam.e2e@example.org,mentee,Adams,art,K-2,0,en,
"""
MAILS_PER_RELATIONSHIP = 2 + 2 * 8 + 2  # started to both, 8 meetings to both (4 weeks ahead), a survey each
PULSE_MAILS = 2  # the completed check-in's meeting pulse, to both partners
CHANNELS = 2  # every notification goes by e-mail and to the in-app inbox (each delivery announces itself)


def wait_for(check: Any, timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"{what} not reached in {timeout}s; last: {last!r}")


def as_user(stack: Stack, subject: str, role: Role) -> dict[str, str]:
    assert stack.signing_key is not None
    return {"Authorization": f"Bearer {mint(stack.signing_key, subject=subject, role=role, district=DISTRICT)}"}


def coordinator(stack: Stack) -> dict[str, str]:
    return as_user(stack, "e2e-coordinator", Role.DISTRICT_COORDINATOR)


def enrol(http: httpx.Client, urls: dict[str, str]) -> dict[str, Any]:
    program = ok(http.post(f"{urls['matching']}/programs", json={"district": DISTRICT, "name": "E2E induction"}))
    csv = {"content-type": "text/csv"}
    assert ok(http.post(f"{urls['matching']}/programs/{program['id']}/roster", content=ROSTER, headers=csv))["accepted"] == 7
    assert ok(http.post(f"{urls['notification']}/districts/{DISTRICT}/contacts", content=ROSTER, headers=csv))["accepted"] == 7
    return program


def our_mail(stack: Stack) -> list[Any]:
    assert stack.mail is not None
    return [m for m in stack.mail.messages if str(m["To"]).endswith(".e2e@example.org")]


async def collect_relationship_events(url: str, sink: list[dict[str, Any]], stop: asyncio.Event) -> None:
    nc = await nats.connect(url)

    async def on_message(msg: Any) -> None:
        sink.append({"subject": msg.subject, "body": json.loads(msg.data)})

    await nc.subscribe(f"mentoring.matching.{DISTRICT}.relationship.>", cb=on_message)
    await stop.wait()
    await nc.close()


def test_one_district_from_roster_to_program_numbers(stack: Stack) -> None:
    urls = {name: proc.url for name, proc in stack.services.items()}
    seen: list[dict[str, Any]] = []
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    import threading

    listener = threading.Thread(
        target=loop.run_until_complete, args=(collect_relationship_events(stack.env["NATS_URL"], seen, stop),), daemon=True
    )
    listener.start()
    time.sleep(0.5)
    with httpx.Client(timeout=30, headers=coordinator(stack)) as http:
        program = enrol(http, urls)
        run = ok(http.post(f"{urls['matching']}/programs/{program['id']}/match-runs?wait=30"))
        assert len(run["proposals"]) == 3 and [u["reason"] for u in run["unmatched"]] == ["no eligible mentor: subject_match"]
        for proposal in run["proposals"]:
            ok(http.post(f"{urls['matching']}/proposals/{proposal['id']}/approve"))
        relationships = ok(http.get(f"{urls['matching']}/programs/{program['id']}/relationships"))

        # scheduling stored the first check-in and observation cycle of every relationship
        for rel in relationships:
            meetings = wait_for(
                lambda r=rel: (
                    len(m := ok(http.get(f"{urls['scheduling']}/meetings", params={"relationship_id": r["id"]}))) == 8 and m
                ),
                what="four meetings",
            )
            assert {m["kind"] for m in meetings} == {"check_in", "pre_conference", "observation", "debrief", "reflection"}
        wait_for(lambda: len(our_mail(stack)) >= 3 * MAILS_PER_RELATIONSHIP, what="all e-mails")

        first = relationships[0]
        meetings = ok(http.get(f"{urls['scheduling']}/meetings", params={"relationship_id": first["id"]}))
        check_in = next(m for m in meetings if m["kind"] == "check_in")
        debrief = next(m for m in meetings if m["kind"] == "debrief")
        ok(http.post(f"{urls['scheduling']}/meetings/{check_in['id']}/complete", json={"duration_minutes": 55}))
        ok(http.post(f"{urls['scheduling']}/meetings/{debrief['id']}/missed", json={"absent_ids": [first["mentee_id"]]}))
        surveys = wait_for(
            lambda: [
                s
                for s in ok(http.get(f"{urls['feedback']}/surveys", params={"relationship_id": first["id"]}))
                if s["template"] == "match_quality_30d"
            ],
            what="surveys issued",
        )
        assert len(surveys) == 2
        respondent = as_user(stack, surveys[0]["respondent_id"], Role(surveys[0]["role"]))
        answer = {"answers": {"overall": 4, "comment": "helpful"}}
        ok(http.post(f"{urls['feedback']}/surveys/{surveys[0]['id']}/responses", json=answer, headers=respondent))

        summary = wait_for(
            lambda: (
                (s := ok(http.get(f"{urls['metrics']}/programs/{program['id']}/summary")))["surveys"]["submitted"] == 1
                and s["meetings"]["missed"] == 1
                and s["meetings"]["completed"] == 1
                and s["notifications"]["sent"] >= CHANNELS * (3 * MAILS_PER_RELATIONSHIP + PULSE_MAILS)
                and s
            ),
            what="metrics caught up",
        )
    stop_listener(loop, stop, listener)

    assert summary["participants"] == {"mentors": 3, "mentees": 4, "peers": 0}
    assert summary["matched_mentees"] == 3 and summary["active_relationships"] == 3
    assert summary["surveys"]["issued"] == 6 + 2  # match quality, pulses
    assert summary["satisfaction"]["responses"] == 1 and summary["satisfaction"]["mean"] is None  # one answer: under k
    assert summary["satisfaction"]["suppressed"] and summary["surveys"]["response_rate"] is None
    assert summary["mentoring_minutes"] == 55
    assert summary["notifications"]["sent"] == CHANNELS * (3 * MAILS_PER_RELATIONSHIP + PULSE_MAILS)

    mails = our_mail(stack)
    assert len(mails) == 3 * MAILS_PER_RELATIONSHIP + PULSE_MAILS  # none twice
    to_maria = [m for m in mails if m["To"] == "maria.e2e@example.org"]
    maria_id = participant_id(DISTRICT, "M1")
    pulse = 1 if first["mentor_id"] == maria_id else 0  # the completed check-in's pulse went to its mentor
    assert len(to_maria) == MAILS_PER_RELATIONSHIP // 2 + pulse and any(
        "Pat Doe" in m.get_body(("plain",)).get_content() for m in to_maria
    )
    assert not [m for m in mails if m["To"] == "sam.e2e@example.org"]  # unmatched: nothing to announce

    started = [e for e in seen if e["subject"] == f"mentoring.matching.{DISTRICT}.relationship.started.v1"]
    assert len(started) == 3
    envelope = CloudEvent[RelationshipStarted].model_validate(started[0]["body"])
    assert envelope.district == DISTRICT and envelope.data.relationship_id in {r["id"] for r in relationships}
    assert "@" not in json.dumps([e["body"] for e in seen])


def stop_listener(loop: asyncio.AbstractEventLoop, stop: asyncio.Event, thread: Any) -> None:
    loop.call_soon_threadsafe(stop.set)
    thread.join(5)


def test_services_killed_between_messages_lose_no_event_and_send_no_duplicate_mail(stack: Stack) -> None:
    """SIGKILL scheduling and notification once idle, approve while they are down, restart: exactly once."""
    urls = {name: proc.url for name, proc in stack.services.items()}
    with httpx.Client(timeout=30, headers=coordinator(stack)) as http:
        program = enrol(http, urls)
        run = ok(http.post(f"{urls['matching']}/programs/{program['id']}/match-runs?wait=30"))
        ok(http.post(f"{urls['matching']}/proposals/{run['proposals'][0]['id']}/approve"))
        wait_for(lambda: len(our_mail(stack)) >= MAILS_PER_RELATIONSHIP, what="the first relationship's mails")
        stack.services["notification"].kill()  # SIGKILL: no graceful drain, unacked work stays in JetStream
        stack.services["scheduling"].kill()
        for proposal in run["proposals"][1:]:
            ok(http.post(f"{urls['matching']}/proposals/{proposal['id']}/approve"))
        time.sleep(1.0)
        stack.start_service("scheduling")
        stack.start_service("notification")
        wait_for(lambda: len(our_mail(stack)) >= 3 * MAILS_PER_RELATIONSHIP, timeout=90, what="every mail after restart")
        time.sleep(2.0)  # a redelivered duplicate would arrive here
    mails = our_mail(stack)
    assert len(mails) == 3 * MAILS_PER_RELATIONSHIP
    assert len({m["Message-ID"] for m in mails}) == len(mails)


def test_notification_killed_mid_send_delivers_everything_and_a_resend_keeps_its_message_id(stack: Stack) -> None:
    """SIGKILL in the middle of a burst of SMTP sends.

    A mail the SMTP server accepted just before the kill, but not yet recorded as sent, is sent again
    after the restart: SMTP has no idempotency key, so that window cannot be closed. The resend carries
    the same Message-ID (derived from the delivery id), which mail systems use to drop duplicates.
    """
    urls = {name: proc.url for name, proc in stack.services.items()}
    with httpx.Client(timeout=30, headers=coordinator(stack)) as http:
        program = enrol(http, urls)
        run = ok(http.post(f"{urls['matching']}/programs/{program['id']}/match-runs?wait=30"))
        for proposal in run["proposals"]:
            ok(http.post(f"{urls['matching']}/proposals/{proposal['id']}/approve"))
        wait_for(lambda: len(our_mail(stack)) >= 4, what="the burst to start")
        stack.services["notification"].kill()
        stack.start_service("notification")
        wait_for(
            lambda: len({m["Message-ID"] for m in our_mail(stack)}) >= 3 * MAILS_PER_RELATIONSHIP,
            timeout=90,
            what="every notification after restart",
        )
        time.sleep(2.0)
    mails = our_mail(stack)
    by_id: dict[str, list[Any]] = {}
    for mail in mails:
        by_id.setdefault(mail["Message-ID"], []).append(mail)
    assert len(by_id) == 3 * MAILS_PER_RELATIONSHIP  # every notification, none lost
    for copies in by_id.values():  # a resend is the same mail, never a different one
        assert len({(m["To"], m["Subject"], m.get_body(("plain",)).get_content()) for m in copies}) == 1
    assert len(mails) - len(by_id) <= PULL_BATCH_SIZE, "more resends than messages can be in flight at the kill"
