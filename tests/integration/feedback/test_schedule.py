"""The event-driven schedule against the real servers: pulse after a completed meeting, closure after the end,
the mid-cycle check, reminders and expiry from the sweep (on a fake clock)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from shared.contracts.envelope import derived_id
from shared.contracts.feedback import SurveyIssued, SurveyReminderDue
from shared.contracts.matching import EndReason, RelationshipEnded
from shared.contracts.scheduling import MeetingCompleted, MeetingKind, MeetingScheduled
from tests.plugins.services import eventually

from .conftest import Harness


def meeting(h: Harness, rel_id: str, participants: list[str], kind: MeetingKind = MeetingKind.CHECK_IN) -> MeetingScheduled:
    return MeetingScheduled(
        program_id="P1",
        relationship_id=rel_id,
        meeting_id=f"mt{uuid.uuid4().hex[:10]}",
        meeting_kind=kind,
        participant_ids=participants,
        starts_at=h.clock.now,
        duration_minutes=45,
    )


def completed(scheduled: MeetingScheduled) -> MeetingCompleted:
    return MeetingCompleted(
        program_id=scheduled.program_id,
        relationship_id=scheduled.relationship_id,
        meeting_id=scheduled.meeting_id,
        meeting_kind=scheduled.meeting_kind,
        duration_minutes=40,
    )


async def test_a_completed_meeting_sends_the_pulse_to_each_participant_once(feedback: Harness):
    h = feedback
    rel = await h.start_relationship()
    group = meeting(h, rel.relationship_id, [rel.mentor_id, rel.mentee_id, "Nother1"], MeetingKind.GROUP_SESSION)
    await h.publish(h.event(group, group.meeting_id))
    done = h.event(completed(group), group.meeting_id)
    await h.publish(done)
    pulses = await h.wait_surveys(rel.relationship_id, 3, "meeting_pulse")  # a group session: the session's relationship
    assert {(s["respondent_id"], s["role"]) for s in pulses} == {
        (rel.mentor_id, "mentor"),
        (rel.mentee_id, "mentee"),
        ("Nother1", "participant"),
    }
    assert {s["id"] for s in pulses} == {
        derived_id("survey", group.meeting_id, "meeting_pulse", p) for p in (rel.mentor_id, rel.mentee_id, "Nother1")
    }
    for s in pulses:  # stored at millisecond resolution
        assert abs(datetime.fromisoformat(s["due_at"]) - (done.time + timedelta(days=7))) < timedelta(seconds=1)

    seq = await h.publish(done, msg_id=f"redelivery-{uuid.uuid4()}")  # the same event again: nothing new
    await h.handled(done, seq)
    assert len(await h.surveys_of(rel.relationship_id)) == 5
    issued = [d for d in h.data_of(SurveyIssued) if d["template"] == "meeting_pulse"]
    assert len(issued) == 3
    assert 'mentoring_surveys_issued_total{template="meeting_pulse"} 3.0' in (await h.http.get("/metrics")).text


async def test_a_meeting_feedback_has_not_seen_scheduled_goes_to_the_relationships_partners(feedback: Harness):
    h = feedback
    rel = await h.start_relationship()
    unseen = meeting(h, rel.relationship_id, [rel.mentor_id])
    await h.publish(h.event(completed(unseen), unseen.meeting_id))
    pulses = await h.wait_surveys(rel.relationship_id, 2, "meeting_pulse")
    assert {s["respondent_id"] for s in pulses} == {rel.mentor_id, rel.mentee_id}


async def test_the_end_of_a_relationship_sends_the_closure_survey_to_both(feedback: Harness):
    h = feedback
    rel = await h.start_relationship()
    ended_at = h.later(days=120)
    data = RelationshipEnded(
        program_id="P1",
        relationship_id=rel.relationship_id,
        mentor_id=rel.mentor_id,
        mentee_id=rel.mentee_id,
        ended_at=ended_at,
        reason=EndReason.COMPLETED,
    )
    env = h.event(data, rel.relationship_id)
    await h.publish(env)
    closure = await h.wait_surveys(rel.relationship_id, 2, "closure")
    assert {s["respondent_id"] for s in closure} == {rel.mentor_id, rel.mentee_id}
    seq = await h.publish(env, msg_id=f"redelivery-{uuid.uuid4()}")
    await h.handled(env, seq)
    assert len(await h.surveys_of(rel.relationship_id)) == 4

    # an ended relationship gets no mid-cycle check
    await h.sweep(h.later(days=92))
    assert not [s for s in await h.surveys_of(rel.relationship_id) if s["template"] == "mid_cycle"]


async def test_the_sweep_reminds_once_expires_and_issues_the_mid_cycle_check(feedback: Harness):
    h = feedback
    start = h.clock.now
    rel = await h.start_relationship(start)
    mq = await h.surveys_of(rel.relationship_id)

    # Match quality is due on day 30: no reminder on day 27; from day 28, one, and none to who answered.
    await h.sweep(start + timedelta(days=27))
    assert not h.data_of(SurveyReminderDue)
    h.clock.now = start + timedelta(days=28, hours=1)
    assert (await h.answer(mq[0], {"overall": 4})).status_code == 201
    for _ in range(2):
        await h.sweep(start + timedelta(days=28, hours=2))
    reminders = await eventually(lambda: h.data_of(SurveyReminderDue))
    assert [(r["survey_id"], r["respondent_id"]) for r in reminders] == [(mq[1]["id"], mq[1]["respondent_id"])]
    reminder_ids = [m["body"]["id"] for m in h.of_type(SurveyReminderDue.kind.type)]
    assert reminder_ids == [derived_id("survey.reminder", mq[1]["id"])]

    # Past day 30 the unanswered one expires.
    await h.sweep(start + timedelta(days=30, seconds=1))
    statuses = {s["id"]: s["status"] for s in await h.surveys_of(rel.relationship_id)}
    assert [statuses[s["id"]] for s in mq] == ["answered", "expired"]
    metrics = (await h.http.get("/metrics")).text
    assert 'mentoring_survey_reminders_total{template="match_quality_30d"} 1.0' in metrics
    assert 'mentoring_surveys_expired_total{template="match_quality_30d"} 1.0' in metrics

    # Mid-cycle: from day 91 to day 98, due on day 105; a relationship first seen after day 98 never gets one.
    late = await h.start_relationship(start - timedelta(days=99))
    await h.sweep(start + timedelta(days=90))
    assert not [s for s in await h.surveys_of(rel.relationship_id) if s["template"] == "mid_cycle"]
    await h.sweep(start + timedelta(days=91, hours=1))
    mid = await h.wait_surveys(rel.relationship_id, 2, "mid_cycle")
    assert {s["due_at"][:10] for s in mid} == {str((start + timedelta(days=105)).date())}
    await h.sweep(start + timedelta(days=92))
    assert len([s for s in await h.surveys_of(rel.relationship_id) if s["template"] == "mid_cycle"]) == 2
    assert not [s for s in await h.surveys_of(late.relationship_id) if s["template"] == "mid_cycle"]
