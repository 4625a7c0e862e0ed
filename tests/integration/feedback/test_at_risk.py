"""At-risk warnings against the real servers: two missed meetings in a row (by start, whatever order the outcomes
arrive in), and a low pulse answer; each once per occurrence, with a derived id."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from services.feedback import risk
from shared.contracts.feedback import AtRiskReason, RelationshipAtRisk
from shared.contracts.scheduling import MeetingCompleted, MeetingKind, MeetingMissed, MeetingScheduled
from tests.plugins.services import eventually

from .conftest import Harness

AT_RISK = RelationshipAtRisk.kind.type


async def schedule(h: Harness, rel: Any, weeks: int) -> list[MeetingScheduled]:
    """``weeks`` weekly meetings of the relationship, published as scheduling does."""
    meetings = [
        MeetingScheduled(
            program_id="P1",
            relationship_id=rel.relationship_id,
            meeting_id=f"w{i}-{uuid.uuid4().hex[:8]}",
            meeting_kind=MeetingKind.CHECK_IN,
            participant_ids=[rel.mentor_id, rel.mentee_id],
            starts_at=h.clock.now + timedelta(weeks=i),
            duration_minutes=30,
        )
        for i in range(weeks)
    ]
    for m in meetings:
        await h.publish(h.event(m, m.meeting_id))
    repo = h.app.state.feedback.repo
    await eventually(lambda: _known(repo, rel.relationship_id, weeks))
    return meetings


async def _known(repo: Any, relationship_id: str, count: int) -> bool:
    return await repo.meetings.count_documents({"relationship_id": relationship_id}) == count  # type: ignore[no-any-return]


def missed(m: MeetingScheduled) -> MeetingMissed:
    return MeetingMissed(
        program_id=m.program_id,
        relationship_id=m.relationship_id,
        meeting_id=m.meeting_id,
        meeting_kind=m.meeting_kind,
        absent_ids=[m.participant_ids[1]],
    )


def completed(m: MeetingScheduled) -> MeetingCompleted:
    return MeetingCompleted(
        program_id=m.program_id,
        relationship_id=m.relationship_id,
        meeting_id=m.meeting_id,
        meeting_kind=m.meeting_kind,
        duration_minutes=30,
    )


async def outcome(h: Harness, data: MeetingMissed | MeetingCompleted, msg_id: str | None = None) -> None:
    env = h.event(data, data.meeting_id)
    await h.handled(env, await h.publish(env, msg_id))


async def test_two_missed_meetings_in_a_row_by_start_warn_once(feedback: Harness):
    h = feedback
    rel = await h.start_relationship()
    w = await schedule(h, rel, 5)
    # Outcomes arrive out of order: week 2 missed, week 1 completed, week 0 missed: none in a row.
    await outcome(h, missed(w[2]))
    await outcome(h, completed(w[1]))
    await outcome(h, missed(w[0]))
    assert not h.of_type(AT_RISK)

    await outcome(h, missed(w[3]))  # weeks 2 and 3: in a row
    warned = await eventually(lambda: h.of_type(AT_RISK))
    assert [m["body"]["data"] for m in warned] == [
        {"program_id": "P1", "relationship_id": rel.relationship_id, "reason": "two_missed_meetings"}
    ]
    assert warned[0]["body"]["id"] == risk.alert_id(rel.relationship_id, AtRiskReason.TWO_MISSED_MEETINGS, w[2].meeting_id)
    assert warned[0]["subject"] == f"mentoring.feedback.{h.district}.relationship.at_risk.v1"

    await outcome(h, missed(w[3]), msg_id=f"redelivery-{uuid.uuid4()}")  # the same event again
    await outcome(h, missed(w[4]))  # a third in the same run
    subject = warned[0]["subject"]
    state = (await h.js.stream_info("FEEDBACK", subjects_filter=subject)).state
    assert state.subjects == {subject: 1}
    assert 'mentoring_relationships_at_risk_total{reason="two_missed_meetings"} 1.0' in (await h.http.get("/metrics")).text


async def test_a_pulse_answer_of_2_or_lower_warns_and_a_better_one_does_not(feedback: Harness):
    h = feedback
    rel = await h.start_relationship()
    (meeting,) = await schedule(h, rel, 1)
    await h.publish(h.event(completed(meeting), meeting.meeting_id))
    pulses = await h.wait_surveys(rel.relationship_id, 2, "meeting_pulse")
    match_quality = [s for s in await h.surveys_of(rel.relationship_id) if s["template"] == "match_quality_30d"]

    assert (await h.answer(match_quality[0], {"overall": 1})).status_code == 201  # not a pulse: no warning
    assert (await h.answer(pulses[0], {"overall": 3, "focus": "planning"})).status_code == 201
    assert (await h.answer(pulses[1], {"overall": 2, "comment": "we never talk about my class"})).status_code == 201
    warned = await eventually(lambda: h.of_type(AT_RISK))
    assert len(warned) == 1
    assert warned[0]["body"]["data"]["reason"] == "low_pulse"
    assert warned[0]["body"]["id"] == risk.alert_id(rel.relationship_id, AtRiskReason.LOW_PULSE, pulses[1]["id"])
    assert "never talk" not in str(h.seen)
    assert 'mentoring_relationships_at_risk_total{reason="low_pulse"} 1.0' in (await h.http.get("/metrics")).text
