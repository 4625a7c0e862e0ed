"""The figures computed plainly from a list of envelopes: the independent check of the metrics projection.

Written from the definitions in ``services/metrics/summary.py`` and the conflict rules in
``services/metrics/domain.py``, without any of the projection's code (no joins, cells or group keys):
each entity's events are collected and decided on directly. Envelopes delivered twice (same id) count
once; the same fact re-emitted under a new envelope id changes nothing, because every figure is about
entities (meetings, surveys, people, anonymous batches by campaign and release number), except anonymous
batches without a release number (from producers before it), which are told apart by envelope id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.envelope import CloudEvent
from shared.contracts.feedback import (
    AnonymousAnswersReleased,
    RelationshipAtRisk,
    SurveyIssued,
    SurveyReminderDue,
    SurveySubmitted,
)
from shared.contracts.matching import (
    EndReason,
    InductionFlagged,
    MatchApproved,
    MatchDeclined,
    MatchProposed,
    MatchRequested,
    ParticipantEnrolled,
    ParticipantStatusChanged,
    RelationshipEnded,
    RelationshipStarted,
)
from shared.contracts.notification import NotificationFailed, NotificationSent
from shared.contracts.scheduling import (
    MeetingCancelled,
    MeetingCompleted,
    MeetingMissed,
    MeetingRescheduled,
    MeetingScheduled,
    ReminderDue,
)

EARLY = [r.value for r in EndReason if r is not EndReason.COMPLETED]


def monday(when: datetime) -> str:
    day = when.astimezone(UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def next_term(term: str) -> str:
    start = int(term[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


@dataclass
class World:
    """Every entity of the delivered events, decided."""

    district_of: dict[str, str] = field(default_factory=dict)  # program -> district
    people: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (program, id) -> role, school, enrolled
    flagged: set[tuple[str, str]] = field(default_factory=set)
    rels: dict[str, dict[str, Any]] = field(default_factory=dict)
    meetings: dict[str, dict[str, Any]] = field(default_factory=dict)
    surveys: dict[str, dict[str, Any]] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)  # envelope id -> program, ratings, recommends, time
    statuses: dict[tuple[str, str, str], tuple[datetime, str]] = field(default_factory=dict)
    notifications: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (program, status)
    proposals: dict[str, tuple[str, str]] = field(default_factory=dict)


def decide(envelopes: list[CloudEvent[Any]]) -> World:
    """Collect each entity's events, then decide each entity as the definitions say."""
    seen: dict[str, CloudEvent[Any]] = {e.id: e for e in envelopes}
    events = list(seen.values())
    w = World()
    enrolments: dict[tuple[str, str], list[tuple[datetime, str, str]]] = defaultdict(list)
    rel_events: dict[str, list[Any]] = defaultdict(list)
    meeting_events: dict[str, list[tuple[Any, datetime]]] = defaultdict(list)
    survey_events: dict[str, list[tuple[Any, datetime]]] = defaultdict(list)
    notes: dict[str, list[Any]] = defaultdict(list)
    props: dict[str, list[Any]] = defaultdict(list)
    status_events: dict[tuple[str, str, str], list[tuple[datetime, str]]] = defaultdict(list)
    for env in events:
        d = env.data
        w.district_of[d.program_id] = env.district
        if isinstance(d, ParticipantEnrolled):
            enrolments[(d.program_id, d.participant_id)].append((d.enrolled_at, d.role.value, d.school or ""))
        elif isinstance(d, InductionFlagged):
            w.flagged.add((d.program_id, d.participant_id))
        elif isinstance(d, ParticipantStatusChanged):
            status_events[(d.program_id, d.participant_id, d.term)].append((d.effective_at, d.status.value))
        elif isinstance(d, RelationshipStarted | RelationshipEnded | RelationshipAtRisk):
            rel_events[d.relationship_id].append(d)
        elif isinstance(
            d, MeetingScheduled | MeetingRescheduled | MeetingCancelled | ReminderDue | MeetingCompleted | MeetingMissed
        ):
            meeting_events[d.meeting_id].append((d, env.time))
        elif isinstance(d, SurveyIssued | SurveySubmitted | SurveyReminderDue):
            survey_events[d.survey_id].append((d, env.time))
        elif isinstance(d, AnonymousAnswersReleased):
            key = env.id if d.batch is None else f"{d.campaign_id}#{d.batch}"
            w.batches[key] = {"program": d.program_id, "ratings": d.ratings, "recommends": d.recommends, "time": env.time}
        elif isinstance(d, NotificationSent | NotificationFailed):
            notes[d.notification_id].append(d)
        elif isinstance(d, MatchProposed | MatchRequested | MatchApproved | MatchDeclined):
            props[d.proposal_id].append(d)
    for key, options in enrolments.items():
        when, role, school = min(options)  # enrolled twice: the earliest enrolment counts
        w.people[key] = {"role": role, "school": school or None, "enrolled": when}
    for key, options in status_events.items():
        w.statuses[key] = max(options)
    for rel_id, evs in rel_events.items():
        starts = [e for e in evs if isinstance(e, RelationshipStarted)]
        ends = [e for e in evs if isinstance(e, RelationshipEnded)]
        known = [e for e in evs if isinstance(e, RelationshipStarted | RelationshipEnded)]
        w.rels[rel_id] = {
            "program": evs[0].program_id,
            "mentor": known[0].mentor_id if known else None,
            "mentee": known[0].mentee_id if known else None,
            "status": "ended" if ends else "active" if starts else None,
            "reason": max(e.reason.value for e in ends) if ends else None,
            "started": min(e.started_at for e in starts) if starts else None,
            "ended": max(e.ended_at for e in ends) if ends else None,
            "at_risk": any(isinstance(e, RelationshipAtRisk) for e in evs),
        }
    for meeting_id, evs in meeting_events.items():
        w.meetings[meeting_id] = _meeting(evs)
    for survey_id, evs in survey_events.items():
        w.surveys[survey_id] = _survey(evs)
    for note_id, evs in notes.items():
        w.notifications[note_id] = (evs[0].program_id, "sent" if any(isinstance(e, NotificationSent) for e in evs) else "failed")
    for prop_id, evs in props.items():
        kinds = {type(e) for e in evs}
        status = "approved" if MatchApproved in kinds else "declined" if MatchDeclined in kinds else "proposed"
        w.proposals[prop_id] = (evs[0].program_id, status)
    return w


def _meeting(evs: list[tuple[Any, datetime]]) -> dict[str, Any]:
    kinds = {type(e) for e, _ in evs}
    status = next(
        (
            s
            for s, k in (
                ("completed", MeetingCompleted),
                ("missed", MeetingMissed),
                ("cancelled", MeetingCancelled),
                ("scheduled", MeetingScheduled),
            )
            if k in kinds
        ),
        None,
    )
    planned = [
        (e.sequence if isinstance(e, MeetingRescheduled) else 0, e.starts_at)
        for e, _ in evs
        if isinstance(e, MeetingScheduled | MeetingRescheduled)
    ]
    named = [e.starts_at for e, _ in evs if isinstance(e, MeetingCancelled | ReminderDue)]
    reported = [t for e, t in evs if isinstance(e, MeetingCompleted | MeetingMissed)]
    if planned:  # the start of the highest reschedule sequence (the later one on a tie)
        start: datetime | None = max(planned)[1]
    elif named:  # else the latest start a cancellation or a reminder names
        start = max(named)
    else:  # else when the outcome was reported
        start = max(reported) if reported else None
    minutes = max((e.duration_minutes for e, _ in evs if isinstance(e, MeetingCompleted)), default=0)
    first = evs[0][0]
    return {"program": first.program_id, "rel": first.relationship_id, "status": status, "minutes": minutes, "start": start}


def _survey(evs: list[tuple[Any, datetime]]) -> dict[str, Any]:
    answers = [(e.rating, -1 if e.recommend is None else e.recommend) for e, _ in evs if isinstance(e, SurveySubmitted)]
    first = evs[0][0]
    rels = [e.relationship_id for e, _ in evs if not isinstance(e, SurveyReminderDue)]
    who = [e.respondent_id for e, _ in evs if isinstance(e, SurveyIssued | SurveyReminderDue)]
    rating, recommend = max(answers) if answers else (None, -1)
    return {
        "program": first.program_id,
        "named": first.template.value != "program_anonymous",
        "rel": next((r for r in rels if r), None),
        "respondent": who[0] if who else None,
        "submitted": bool(answers),
        "rating": rating,
        "recommend": None if recommend < 0 else recommend,
        "answered_at": min(t for e, t in evs if isinstance(e, SurveySubmitted)) if answers else None,
    }
