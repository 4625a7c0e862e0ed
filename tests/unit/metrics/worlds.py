"""Random but consistent worlds of events (programs, people, relationships, meetings, surveys...) and their delivery.

A world is generated from one truth per entity, as the producers would publish it; ``deliver`` then
shuffles it, redelivers some envelopes (same id) and re-emits some facts under new envelope ids (as a
producer retrying without a derived id would; anonymous batches without a release number excepted, whose
envelope id is their key).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.envelope import CloudEvent, EventData, make_event
from shared.contracts.feedback import (
    AnonymousAnswersReleased,
    AtRiskReason,
    ClosureRecorded,
    RelationshipAtRisk,
    SurveyIssued,
    SurveyReminderDue,
    SurveySubmitted,
    SurveyTemplate,
)
from shared.contracts.matching import (
    EndReason,
    InductionFlagged,
    MatchApproved,
    MatchDeclined,
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
from shared.contracts.notification import Channel, NotificationFailed, NotificationSent
from shared.contracts.scheduling import (
    InductionHoursShort,
    MeetingCancelled,
    MeetingCompleted,
    MeetingKind,
    MeetingMissed,
    MeetingOverdue,
    MeetingRescheduled,
    MeetingScheduled,
    ReminderDue,
)

T0 = datetime(2025, 8, 18, 8, 0, tzinfo=UTC)
SCHOOLS = ("North High", "South Middle", '=HYPERLINK("x")', None)
NAMED = [t for t in SurveyTemplate if t is not SurveyTemplate.PROGRAM_ANONYMOUS]
TERMS = ("2025-26", "2026-27")
Envelope = CloudEvent[Any]


class Maker:
    def __init__(self, rng: random.Random, tag: str) -> None:
        self.rng, self.tag, self.events = rng, tag, []  # type: ignore[var-annotated]
        self.n = 0

    def id(self, kind: str) -> str:
        self.n += 1
        return f"{self.tag}{kind}{self.n}"

    def at(self, base: datetime, days: float) -> datetime:
        return base + timedelta(days=days, minutes=self.rng.randrange(0, 600))

    def emit(self, data: EventData, district: str, when: datetime) -> None:
        self.events.append(make_event(data, district=district, subject=data.program_id, time=when))  # type: ignore[attr-defined]


def world(rng: random.Random, districts: int = 2, programs: int = 3, people: int = 8, tag: str = "") -> list[Envelope]:
    """Every event of a small state, in producer order."""
    m = Maker(rng, tag or uuid.uuid4().hex[:6])
    for p in range(programs):
        district = f"D{p % districts + 1}{m.tag}"
        program = m.id("p")
        peer = rng.random() < 0.2
        m.emit(ProgramCreated(program_id=program, model=ProgramModel.PEER if peer else ProgramModel.ONE_TO_ONE), district, T0)
        mentors, seekers = [], []
        for _ in range(rng.randrange(1, people + 1)):
            pid = m.id("t")
            role = Role.PEER if peer else rng.choice([Role.MENTOR, Role.MENTEE, Role.MENTEE])
            enrolled = m.at(T0, rng.randrange(0, 60))
            school = rng.choice(SCHOOLS)
            m.emit(
                ParticipantEnrolled(program_id=program, participant_id=pid, role=role, enrolled_at=enrolled, school=school),
                district,
                enrolled,
            )
            if rng.random() < 0.1:  # enrolled again later, maybe elsewhere: the first enrolment counts
                again = m.at(enrolled, 3)
                m.emit(
                    ParticipantEnrolled(
                        program_id=program, participant_id=pid, role=role, enrolled_at=again, school=rng.choice(SCHOOLS)
                    ),
                    district,
                    again,
                )
            (mentors if role is Role.MENTOR else seekers).append((pid, enrolled))
            for term in TERMS:
                for _ in range(rng.choice([0, 0, 1, 2])):
                    when = m.at(T0 + timedelta(days=300), rng.randrange(0, 200))
                    status = rng.choice(list(TeachingStatus))
                    m.emit(
                        ParticipantStatusChanged(
                            program_id=program, participant_id=pid, status=status, term=term, effective_at=when
                        ),
                        district,
                        when,
                    )
        if peer:
            mentors = seekers
        for pid, enrolled in seekers:
            if rng.random() < 0.25:  # still unmatched; maybe flagged by the induction timer
                if rng.random() < 0.5:
                    m.emit(
                        InductionFlagged(program_id=program, participant_id=pid, enrolled_at=enrolled, days_unmatched=31),
                        district,
                        m.at(enrolled, 31),
                    )
                continue
            partners = [x for x in mentors if x[0] != pid] or [(m.id("ghost"), enrolled)]  # a mentor never enrolled
            for _ in range(rng.choice([1, 1, 2])):
                mentor = rng.choice(partners)[0]
                _relationship(m, district, program, mentor, pid, m.at(enrolled, rng.randrange(0, 40)))
        campaign = m.id("c")
        for number in range(rng.randrange(0, 3)):
            ratings = [rng.randrange(1, 6) for _ in range(rng.randrange(1, 8))]
            recommends = [rng.randrange(0, 11) for _ in range(rng.randrange(0, 8))]
            data = AnonymousAnswersReleased(
                program_id=program,
                campaign_id=campaign,
                template=SurveyTemplate.PROGRAM_ANONYMOUS,
                ratings=sorted(ratings),
                recommends=sorted(recommends),
                batch=None if rng.random() < 0.3 else number,  # (a producer from before the release number)
            )
            m.emit(data, district, m.at(T0, rng.randrange(20, 90)))
        for person, _ in (seekers + mentors)[:3]:
            if rng.random() < 0.5:  # a program-wide named survey
                _survey(m, district, program, None, person, m.at(T0, 50))
        for _ in range(rng.randrange(0, 3)):
            note = {
                "program_id": program,
                "notification_id": m.id("n"),
                "recipient_id": "x",
                "channel": Channel.EMAIL,
                "template": "relationship_started",
                "cause_event_id": "c",
            }
            failed = rng.random() < 0.3
            data = NotificationFailed(**note, reason="bounced") if failed else NotificationSent(**note)
            m.emit(data, district, m.at(T0, 10))
            if failed and rng.random() < 0.5:
                m.emit(NotificationSent(**note), district, m.at(T0, 11))
    return m.events


def _relationship(m: Maker, district: str, program: str, mentor: str, mentee: str, started: datetime) -> None:
    rng, rel = m.rng, m.id("r")
    pair = {"program_id": program, "mentor_id": mentor, "mentee_id": mentee}
    proposal = m.id("pr")
    m.emit(MatchProposed(run_id="run", proposal_id=proposal, score=1.0, **pair), district, started)
    m.emit(MatchApproved(proposal_id=proposal, relationship_id=rel, **pair), district, started)
    if rng.random() < 0.2:
        m.emit(MatchDeclined(proposal_id=m.id("pr"), **pair), district, started)
    if rng.random() < 0.9:  # a few are only ever heard of through their end
        m.emit(RelationshipStarted(relationship_id=rel, started_at=started, **pair), district, started)
    for _ in range(rng.randrange(0, 5)):
        _meeting(m, district, program, rel, [mentor, mentee], m.at(started, rng.randrange(1, 90)))
    if rng.random() < 0.3:
        m.emit(
            RelationshipAtRisk(program_id=program, relationship_id=rel, reason=rng.choice(list(AtRiskReason))),
            district,
            m.at(started, 20),
        )
    if rng.random() < 0.15:
        short = InductionHoursShort(
            program_id=program,
            relationship_id=rel,
            participant_id=mentee,
            logged_minutes=10,
            required_minutes=60,
            window_days=28,
            window_end=started,
        )
        m.emit(short, district, m.at(started, 28))
    for who in (mentor, mentee):
        if rng.random() < 0.5:
            _survey(m, district, program, rel, who, m.at(started, 30))
    if rng.random() < 0.4:
        reason = rng.choice(list(EndReason))
        ended = m.at(started, rng.randrange(30, 200))
        m.emit(ClosureRecorded(program_id=program, relationship_id=rel, reason=reason, recorded_by=mentee), district, ended)
        m.emit(RelationshipEnded(relationship_id=rel, ended_at=ended, reason=reason, **pair), district, ended)
        if rng.random() < 0.05:  # ended twice, differently: the larger reason (and the later end) count
            again = m.at(ended, 2)
            m.emit(
                RelationshipEnded(relationship_id=rel, ended_at=again, reason=rng.choice(list(EndReason)), **pair),
                district,
                again,
            )


def _meeting(m: Maker, district: str, program: str, rel: str, people: list[str], starts: datetime) -> None:
    rng, mid = m.rng, m.id("m")
    base = {"program_id": program, "relationship_id": rel, "meeting_id": mid, "meeting_kind": rng.choice(list(MeetingKind))}
    duration = rng.choice([30, 45, 60, 90])
    if rng.random() < 0.9:  # a few outcomes arrive for meetings never scheduled here
        m.emit(
            MeetingScheduled(**base, participant_ids=people, starts_at=starts, duration_minutes=duration),
            district,
            starts - timedelta(days=7),
        )
    for sequence in range(1, rng.choice([1, 1, 2, 3])):
        before, starts = starts, starts + timedelta(days=rng.randrange(-3, 10))
        m.emit(
            MeetingRescheduled(
                **base,
                participant_ids=people,
                starts_at=starts,
                previous_starts_at=before,
                duration_minutes=duration,
                sequence=sequence,
                rescheduled_by=people[0],
            ),
            district,
            starts - timedelta(days=2),
        )
    if rng.random() < 0.5:
        m.emit(
            ReminderDue(
                **base,
                participant_ids=people,
                reminder_id=m.id("rm"),
                starts_at=starts,
                duration_minutes=duration,
                offset_minutes=60,
            ),
            district,
            starts - timedelta(hours=1),
        )
    outcome = rng.choice(["completed", "completed", "missed", "cancelled", None])
    ends = starts + timedelta(minutes=duration, hours=rng.randrange(0, 30))
    if outcome == "completed":
        m.emit(MeetingCompleted(**base, duration_minutes=rng.choice([20, duration])), district, ends)
    elif outcome == "missed":
        m.emit(MeetingMissed(**base, absent_ids=[people[1]]), district, ends)
    elif outcome == "cancelled":
        m.emit(
            MeetingCancelled(**base, participant_ids=people, starts_at=starts, cancelled_by=people[0]),
            district,
            starts - timedelta(days=1),
        )
    elif rng.random() < 0.5:
        m.emit(MeetingOverdue(**base, participant_ids=people, ends_at=ends), district, ends + timedelta(days=2))
    if rng.random() < 0.05:  # conflicting reports (a correction): the documented precedence decides
        m.emit(
            rng.choice([MeetingMissed(**base, absent_ids=[people[0]]), MeetingCompleted(**base, duration_minutes=15)]),
            district,
            ends,
        )


def _survey(m: Maker, district: str, program: str, rel: str | None, who: str, issued: datetime) -> None:
    rng, sid = m.rng, m.id("s")
    template = rng.choice(NAMED)
    base = {"program_id": program, "survey_id": sid, "template": template}
    m.emit(SurveyIssued(**base, relationship_id=rel, respondent_id=who, due_at=issued + timedelta(days=14)), district, issued)
    if rng.random() < 0.3:
        m.emit(
            SurveyReminderDue(**base, respondent_id=who, due_at=issued + timedelta(days=14)),
            district,
            issued + timedelta(days=12),
        )
    if rng.random() < 0.7:
        recommend = rng.choice([None, *range(0, 11)])
        for _ in range(2 if rng.random() < 0.05 else 1):  # rarely answered twice: the higher answer counts
            answer = SurveySubmitted(**base, relationship_id=rel, rating=rng.randrange(1, 6), recommend=recommend)
            m.emit(answer, district, m.at(issued, rng.randrange(0, 10)))


def deliver(rng: random.Random, events: list[Envelope]) -> list[Envelope]:
    """The events shuffled, some delivered twice (same id), some re-emitted under a new id."""
    out = list(events)
    for env in events:
        roll = rng.random()
        if roll < 0.15:
            out.append(env)
        elif roll < 0.25 and not (isinstance(env.data, AnonymousAnswersReleased) and env.data.batch is None):
            out.append(env.model_copy(update={"id": str(uuid.uuid4())}))
    rng.shuffle(out)
    return out
