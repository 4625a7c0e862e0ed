"""A realistic month of one program as envelopes of the four streams, and helpers to publish and observe it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.js import JetStreamContext

from shared.contracts.envelope import CloudEvent, EventData, derived_id, make_event
from shared.contracts.feedback import SurveyIssued, SurveySubmitted, SurveyTemplate
from shared.contracts.matching import (
    MatchApproved,
    MatchProposed,
    ParticipantEnrolled,
    ProgramCreated,
    ProgramModel,
    RelationshipStarted,
    Role,
)
from shared.contracts.notification import Channel, NotificationSent
from shared.contracts.scheduling import MeetingCompleted, MeetingKind, MeetingMissed, MeetingScheduled
from shared.contracts.subjects import STREAMS, Domain
from shared.messaging.broker import durable_name

T0 = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
CHECK_IN = MeetingKind.CHECK_IN
SURVEY = SurveyTemplate.MATCH_QUALITY_30D
SCHOOL = "Lincoln"


def _event(data: EventData, source: Domain, district: str, subject: str) -> CloudEvent[Any]:
    assert source == type(data).kind.domain, "the scenario publishes each event on its producer's stream"
    key = json.dumps(data.model_dump(mode="json"), sort_keys=True)
    return make_event(data, district=district, subject=subject, event_id=derived_id(type(data).kind.type, key), time=T0)


def sequence(district: str, program: str, other_program: str) -> list[CloudEvent[Any]]:
    """A realistic month of one program, in producer order, plus a second program of the same district."""
    mentors, mentees, rel = [f"{program}-m{i}" for i in (1, 2)], [f"{program}-e{i}" for i in (1, 2)], f"{program}-r1"
    pair = {"program_id": program, "mentor_id": mentors[0], "mentee_id": mentees[0]}
    meeting = {"program_id": program, "relationship_id": rel, "meeting_kind": CHECK_IN}
    survey = {"program_id": program, "relationship_id": rel, "template": SURVEY}
    m, s, n, f = Domain.MATCHING, Domain.SCHEDULING, Domain.NOTIFICATION, Domain.FEEDBACK
    return [
        _event(ProgramCreated(program_id=program, model=ProgramModel.ONE_TO_ONE), m, district, program),
        *[
            _event(
                ParticipantEnrolled(program_id=program, participant_id=pid, role=Role.MENTOR, enrolled_at=T0, school=SCHOOL),
                m,
                district,
                pid,
            )
            for pid in mentors
        ],
        *[
            _event(
                ParticipantEnrolled(program_id=program, participant_id=pid, role=Role.MENTEE, enrolled_at=T0, school=SCHOOL),
                m,
                district,
                pid,
            )
            for pid in mentees
        ],
        _event(MatchProposed(run_id="run1", proposal_id=f"{program}-p1", score=3, **pair), m, district, f"{program}-p1"),
        _event(
            MatchProposed(
                program_id=program,
                run_id="run1",
                proposal_id=f"{program}-p2",
                mentor_id=mentors[1],
                mentee_id=mentees[1],
                score=1,
            ),
            m,
            district,
            f"{program}-p2",
        ),
        _event(MatchApproved(proposal_id=f"{program}-p1", relationship_id=rel, **pair), m, district, f"{program}-p1"),
        _event(RelationshipStarted(relationship_id=rel, started_at=T0, **pair), m, district, rel),
        *[
            _event(
                MeetingScheduled(
                    meeting_id=mid,
                    participant_ids=[mentors[0], mentees[0]],
                    starts_at=T0 + timedelta(days=d),
                    duration_minutes=45,
                    **meeting,
                ),
                s,
                district,
                mid,
            )
            for mid, d in ((f"{program}-mt1", 7), (f"{program}-mt2", 14))
        ],
        _event(MeetingCompleted(meeting_id=f"{program}-mt1", duration_minutes=60, **meeting), s, district, f"{program}-mt1"),
        _event(MeetingMissed(meeting_id=f"{program}-mt2", absent_ids=[mentees[0]], **meeting), s, district, f"{program}-mt2"),
        *[
            _event(SurveyIssued(survey_id=sid, respondent_id=who, due_at=T0 + timedelta(days=30), **survey), f, district, sid)
            for sid, who in ((f"{program}-s1", mentees[0]), (f"{program}-s2", mentors[0]))
        ],
        _event(SurveySubmitted(survey_id=f"{program}-s1", rating=4, **survey), f, district, f"{program}-s1"),
        _event(
            NotificationSent(
                program_id=program,
                notification_id=f"{program}-n1",
                recipient_id=mentees[0],
                channel=Channel.EMAIL,
                template="relationship_started",
                cause_event_id="c1",
            ),
            n,
            district,
            f"{program}-n1",
        ),
        _event(ProgramCreated(program_id=other_program, model=ProgramModel.ONE_TO_ONE), m, district, other_program),
        _event(
            ParticipantEnrolled(program_id=other_program, participant_id=f"{other_program}-e1", role=Role.MENTEE, enrolled_at=T0),
            m,
            district,
            f"{other_program}-e1",
        ),
    ]


async def publish(js: JetStreamContext, events: list[CloudEvent[Any]], round_: str = "") -> dict[str, int]:
    """Publish with ``Nats-Msg-Id`` = envelope id (+ ``round_``); returns the last sequence per stream."""
    last: dict[str, int] = {}
    for env in events:
        ack = await js.publish(env.nats_subject, env.model_dump_json().encode(), headers={"Nats-Msg-Id": env.id + round_})
        assert not ack.duplicate
        last[ack.stream] = max(last.get(ack.stream, 0), ack.seq)
    return last


async def drained(js: JetStreamContext, last: dict[str, int]) -> bool:
    """True when metrics has acknowledged everything up to ``last`` on each stream."""
    for domain in Domain:
        stream = STREAMS[domain].name
        if stream in last:
            info = await js.consumer_info(stream, durable_name("metrics", f"all_{domain.value}"))
            if info.ack_floor is None or (info.ack_floor.stream_seq or 0) < last[stream] or info.num_ack_pending:
                return False
    return True
