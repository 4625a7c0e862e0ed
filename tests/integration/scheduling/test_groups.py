"""Group programs: one group session per week for the mentor and every active mentee; observation cycles stay per
relationship; a mentee who leaves leaves the sessions still to come, and the last one leaving cancels them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from shared.contracts.envelope import derived_id
from shared.contracts.matching import ProgramModel
from tests.plugins.services import eventually

from .test_first_meetings import TUESDAY


async def _of(http, **query: str) -> list[dict]:
    return (await http.get("/meetings", params=query)).json()  # type: ignore[no-any-return]


async def test_group_sessions_gather_the_mentors_active_mentees(http, bus):
    program, mentor = f"grp-{uuid.uuid4().hex[:8]}", f"m-{uuid.uuid4().hex[:6]}"
    seq = await bus.publish(bus.program(program, ProgramModel.GROUP))
    await bus.processed("program_created_v1", seq)
    first, second = f"rel-a-{uuid.uuid4().hex[:6]}", f"rel-b-{uuid.uuid4().hex[:6]}"
    await bus.publish(bus.started(first, TUESDAY, mentor=mentor, mentee="mentee-a", program=program))
    sessions = await eventually(lambda: _sessions(http, mentor, 4))
    group = derived_id("group", program, mentor)
    assert [s["id"] for s in sessions] == [derived_id("meeting", group, "group_session", str(n)) for n in (1, 2, 3, 4)]
    assert all(s["relationship_id"] == first and s["participant_ids"] == [mentor, "mentee-a"] for s in sessions)

    await bus.publish(bus.started(second, TUESDAY + timedelta(days=1), mentor=mentor, mentee="mentee-b", program=program))
    # The second mentee joins every session to come; starting a day later, their horizon adds a fifth session.
    await eventually(lambda: _with(http, mentor, [mentor, "mentee-a", "mentee-b"], 5))
    mine = [m for m in await _of(http, participant_id=mentor) if m["status"] == "scheduled"]
    assert len([m for m in mine if m["kind"] == "group_session"]) == 5
    assert {m["relationship_id"] for m in mine if m["kind"] == "observation"} == {first, second}
    assert "check_in" not in {m["kind"] for m in mine}
    spans = sorted((datetime.fromisoformat(m["starts_at"]), m["duration_minutes"]) for m in mine)
    for (start, minutes), (next_start, _) in pairwise(spans):
        assert start + timedelta(minutes=minutes) <= next_start, "the mentor is booked twice at once"

    # The first mentee leaves a week in: later sessions go on with the second; their own meetings are cancelled.
    await bus.publish(bus.ended(first, datetime(2025, 3, 11, 9, tzinfo=UTC), mentor=mentor, mentee="mentee-a"))
    await eventually(lambda: _with(http, mentor, [mentor, "mentee-b"], 4))
    assert {m["status"] for m in await _of(http, relationship_id=first) if m["kind"] != "group_session"} >= {"cancelled"}
    await bus.publish(bus.ended(second, datetime(2025, 3, 11, 9, tzinfo=UTC), mentor=mentor, mentee="mentee-b"))
    await eventually(lambda: _sessions(http, mentor, 1))  # only the one before the end is left
    cancelled = [e["body"]["data"] for e in bus.of_type("cancelled") if e["body"]["data"]["meeting_kind"] == "group_session"]
    assert len(cancelled) == 4 and all(c["cancelled_by"] is None for c in cancelled)


async def _sessions(http, mentor: str, count: int) -> list[dict] | None:
    found = [m for m in await _of(http, participant_id=mentor) if m["kind"] == "group_session" and m["status"] == "scheduled"]
    return found if len(found) == count else None


async def _with(http, mentor: str, participants: list[str], count: int) -> bool:
    sessions = [m for m in await _of(http, participant_id=mentor) if m["kind"] == "group_session"]
    return len([s for s in sessions if s["participant_ids"] == participants and s["status"] == "scheduled"]) == count
