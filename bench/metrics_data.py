"""Synthetic events for the metrics benchmark: a realistic live mix, and a whole state's read model.

The mix follows relationships through their life, so each producer's share is what a running state
sends: scheduling and notification most (meetings, reminders, outcomes, the messages about them),
feedback next (surveys), matching least (enrolments, matches, endings).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.envelope import EventData
from shared.contracts.feedback import AtRiskReason, RelationshipAtRisk, SurveyIssued, SurveySubmitted, SurveyTemplate
from shared.contracts.matching import (
    EndReason,
    MatchApproved,
    MatchProposed,
    ParticipantEnrolled,
    ParticipantStatusChanged,
    ProgramCreated,
    ProgramModel,
    RelationshipEnded,
    RelationshipStarted,
    Role,
    TeachingStatus,
)
from shared.contracts.notification import Channel, NotificationSent
from shared.contracts.scheduling import MeetingCompleted, MeetingKind, MeetingMissed, MeetingScheduled, ReminderDue

T0 = datetime(2025, 8, 18, 8, tzinfo=UTC)
Event = tuple[str, EventData]  # (district, payload)


def _story(rng: random.Random, district: str, program: str, n: int, start: datetime) -> list[Event]:
    """One relationship's life: enrolment, match, meetings with reminders and messages, surveys, maybe an end."""
    mentor, mentee, rel = f"{program}-m{n}", f"{program}-e{n}", f"{program}-r{n}"
    pair = {"program_id": program, "mentor_id": mentor, "mentee_id": mentee}
    out: list[EventData] = [
        ParticipantEnrolled(program_id=program, participant_id=mentor, role=Role.MENTOR, enrolled_at=start, school=f"S{n % 7}"),
        ParticipantEnrolled(program_id=program, participant_id=mentee, role=Role.MENTEE, enrolled_at=start, school=f"S{n % 7}"),
        MatchProposed(run_id="run", proposal_id=f"{rel}-p", score=1.0, **pair),
        MatchApproved(proposal_id=f"{rel}-p", relationship_id=rel, **pair),
        RelationshipStarted(relationship_id=rel, started_at=start + timedelta(days=rng.randrange(1, 30)), **pair),
    ]
    note = {"program_id": program, "recipient_id": mentee, "channel": Channel.EMAIL, "cause_event_id": "c"}
    for k in range(rng.randrange(2, 6)):
        base = {"program_id": program, "relationship_id": rel, "meeting_id": f"{rel}-mt{k}", "meeting_kind": MeetingKind.CHECK_IN}
        starts = start + timedelta(weeks=k + 2)
        people = {"participant_ids": [mentor, mentee]}
        out += [
            MeetingScheduled(**base, **people, starts_at=starts, duration_minutes=45),
            NotificationSent(**note, notification_id=f"{rel}-n{k}a", template="meeting_scheduled"),
            NotificationSent(**note, notification_id=f"{rel}-n{k}b", template="meeting_scheduled"),
            ReminderDue(**base, **people, reminder_id=f"{rel}-rm{k}", starts_at=starts, duration_minutes=45, offset_minutes=60),
            NotificationSent(**note, notification_id=f"{rel}-n{k}c", template="reminder_due"),
        ]
        if rng.random() < 0.85:
            out.append(MeetingCompleted(**base, duration_minutes=rng.choice([30, 45, 60])))
            survey = {
                "program_id": program,
                "relationship_id": rel,
                "survey_id": f"{rel}-s{k}",
                "template": SurveyTemplate.MEETING_PULSE,
            }
            out.append(SurveyIssued(**survey, respondent_id=mentee, due_at=starts + timedelta(days=7)))
            if rng.random() < 0.7:
                out.append(SurveySubmitted(**survey, rating=rng.randrange(2, 6), recommend=rng.randrange(0, 11)))
        else:
            out.append(MeetingMissed(**base, absent_ids=[mentee]))
    if rng.random() < 0.05:
        out.append(RelationshipAtRisk(program_id=program, relationship_id=rel, reason=AtRiskReason.TWO_MISSED_MEETINGS))
    if rng.random() < 0.15:
        out.append(
            RelationshipEnded(
                relationship_id=rel, ended_at=start + timedelta(days=90), reason=rng.choice(list(EndReason)), **pair
            )
        )
    return [(district, e) for e in out]


def mix(n: int, districts: int = 20, programs: int = 5, seed: int = 1) -> list[Event]:
    """About ``n`` events of a live state: the lives of many relationships, interleaved as they happen at once."""
    rng = random.Random(seed)
    names = [(f"D{d:02d}", f"p{d:02d}x{p}") for d in range(districts) for p in range(programs)]
    out: list[Event] = [(d, ProgramCreated(program_id=p, model=ProgramModel.ONE_TO_ONE)) for d, p in names]
    stories: list[list[Event]] = []
    count = 0
    while count < n:
        district, program = rng.choice(names)
        story = _story(rng, district, program, len(stories), T0 + timedelta(days=rng.randrange(0, 60)))
        stories.append(story)
        count += len(story)
    cursors = [0] * len(stories)
    live = list(range(len(stories)))
    while live and len(out) < n:  # each step: the next event of a random live story
        i = rng.randrange(len(live))
        story = live[i]
        out.append(stories[story][cursors[story]])
        cursors[story] += 1
        if cursors[story] == len(stories[story]):
            live[i] = live[-1]
            live.pop()
    return out[:n]


def _state_program(rng: random.Random, district: str, program: str, relationships: int) -> list[EventData]:
    """One program of the big state: ``relationships`` pairs, two meetings and a survey each, a few unmatched, some statuses."""
    out: list[EventData] = [ProgramCreated(program_id=program, model=ProgramModel.ONE_TO_ONE)]
    for n in range(relationships):
        start = T0 + timedelta(days=rng.randrange(0, 60))
        mentor, mentee, rel = f"{program}-m{n // 2}", f"{program}-e{n}", f"{program}-r{n}"
        pair = {"program_id": program, "mentor_id": mentor, "mentee_id": mentee}
        school = f"{district}-S{n % 5}"
        if n % 2 == 0:
            out.append(
                ParticipantEnrolled(program_id=program, participant_id=mentor, role=Role.MENTOR, enrolled_at=start, school=school)
            )
        out.append(
            ParticipantEnrolled(program_id=program, participant_id=mentee, role=Role.MENTEE, enrolled_at=start, school=school)
        )
        out.append(RelationshipStarted(relationship_id=rel, started_at=start + timedelta(days=rng.randrange(1, 30)), **pair))
        for k in range(2):
            base = {
                "program_id": program,
                "relationship_id": rel,
                "meeting_id": f"{rel}-mt{k}",
                "meeting_kind": MeetingKind.CHECK_IN,
            }
            out.append(
                MeetingScheduled(
                    **base, participant_ids=[mentor, mentee], starts_at=start + timedelta(weeks=k + 2), duration_minutes=45
                )
            )
            out.append(
                MeetingCompleted(**base, duration_minutes=45)
                if rng.random() < 0.85
                else MeetingMissed(**base, absent_ids=[mentee])
            )
        survey = {
            "program_id": program,
            "relationship_id": rel,
            "survey_id": f"{rel}-s",
            "template": SurveyTemplate.MATCH_QUALITY_30D,
        }
        out.append(SurveyIssued(**survey, respondent_id=mentee, due_at=start + timedelta(days=40)))
        if rng.random() < 0.7:
            out.append(SurveySubmitted(**survey, rating=rng.randrange(2, 6), recommend=rng.randrange(0, 11)))
        if rng.random() < 0.2:
            out.append(
                RelationshipEnded(
                    relationship_id=rel, ended_at=start + timedelta(days=120), reason=rng.choice(list(EndReason)), **pair
                )
            )
        if rng.random() < 0.3:
            status = TeachingStatus.TEACHING if rng.random() < 0.85 else TeachingStatus.LEFT_TEACHING
            out.append(
                ParticipantStatusChanged(
                    program_id=program, participant_id=mentee, status=status, term="2026-27", effective_at=start
                )
            )
    for n in range(relationships // 10):  # still unmatched
        out.append(ParticipantEnrolled(program_id=program, participant_id=f"{program}-u{n}", role=Role.MENTEE, enrolled_at=T0))
    return out


async def state_documents(
    relationships: int, per_program: int = 100, per_district: int = 10
) -> AsyncIterator[tuple[str, list[dict[str, Any]], dict[str, str]]]:
    """The read model's documents of a whole state, as the projection folds them: (collection, documents, programs)."""
    from services.metrics.domain import Meta, project
    from services.metrics.projector import fold

    rng = random.Random(7)
    programs = max(1, relationships // per_program)
    for first in range(0, programs, 20):
        docs: dict[tuple[str, str], list[Any]] = defaultdict(list)
        named: dict[str, str] = {}
        for p in range(first, min(first + 20, programs)):
            district, program = f"D{p // per_district:03d}", f"P{p:05d}"
            named[program] = district
            for i, data in enumerate(_state_program(rng, district, program, min(per_program, relationships - p * per_program))):
                for change in project(Meta(district, T0.timestamp(), f"{program}-{i}"), data):
                    docs[(change.collection, change.key)].append(change)
        by_collection: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for (collection, _), changes in docs.items():
            by_collection[collection].append({**fold(None, changes, collection), "v": 1})
        for collection, batch in by_collection.items():
            yield collection, batch, named
