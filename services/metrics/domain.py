"""What each event changes in the read model. Pure: no I/O.

Every change is keyed by a natural id and merges by joins (see ``lattice``), so applying an event twice,
or events in any order, gives the same documents. Statuses are ``[rank, status, detail...]`` lists kept
at their maximum: a later status wins (``ended`` over ``active``), and conflicting final reports (a
meeting reported both missed and completed) resolve the same way whatever the order:

- meetings: scheduled < cancelled < missed < completed (then the longer duration);
- proposals: proposed = requested < declined < approved; relationships: active < ended (then reason);
- surveys: issued < submitted (then the higher rating); notifications: failed < sent.

A meeting's start is the one of its highest reschedule ``sequence``; cancellations and reminders
give a start only when no scheduling event did, and an outcome without any start is dated by its
envelope. Anonymous answer batches are keyed by campaign and release number (``batch``); one from a
producer that does not send the number is keyed by its envelope id (derived by the producer from the batch).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from shared.contracts.envelope import EventData
from shared.contracts.feedback import (
    AnonymousAnswersReleased,
    ClosureRecorded,
    RelationshipAtRisk,
    SurveyIssued,
    SurveyReminderDue,
    SurveySubmitted,
)
from shared.contracts.matching import (
    InductionFlagged,
    MatchApproved,
    MatchDeclined,
    MatchProposed,
    MatchRequested,
    ParticipantEnrolled,
    ParticipantStatusChanged,
    ProgramCreated,
    RelationshipEnded,
    RelationshipStarted,
)
from shared.contracts.notification import NotificationFailed, NotificationSent
from shared.contracts.scheduling import (
    InductionHoursShort,
    MeetingCancelled,
    MeetingCompleted,
    MeetingMissed,
    MeetingOverdue,
    MeetingRescheduled,
    MeetingScheduled,
    ReminderDue,
)

from .lattice import Change, Merge, maximum, minimum, union

COLLECTIONS: Final = (
    "programs",
    "participants",
    "statuses",
    "proposals",
    "relationships",
    "meetings",
    "surveys",
    "anonymous",
    "notifications",
)
PROPOSAL_STATUS: Final[dict[type[EventData], list[object]]] = {
    MatchProposed: [0, "proposed"],
    MatchRequested: [0, "proposed"],  # a self-directed request is a proposal too
    MatchDeclined: [1, "declined"],
    MatchApproved: [2, "approved"],
}
Fields = dict[str, tuple[Merge, Any]]
NO_START: Final = -2  # start "sequence" of an outcome dated by its envelope
FALLBACK_START: Final = -1  # start "sequence" of cancellations and reminders


@dataclass(frozen=True)
class Meta:
    """What the envelope adds to the payload: district, event time (epoch seconds) and id."""

    district: str
    time: float
    event_id: str


def project(meta: Meta, data: EventData) -> list[Change]:
    """The changes one event makes; every event also records its program and the program's district.

    The first change is the event's own document: it remembers the envelope id (``seen``), so the store
    tells an envelope seen for the first time from a redelivery without a record per envelope.
    """
    program = data.program_id  # type: ignore[attr-defined]  # every catalogue event names its program
    base = maximum(program_id=program, district=meta.district)
    own, *more = _changes(meta, data)
    changes = [Change(own.collection, own.key, {**base, **own.fields, **union(seen=[meta.event_id])})]
    changes += [Change(c.collection, c.key, {**base, **c.fields}) for c in more]
    if own.collection != "programs":
        changes.append(Change("programs", program, base))
    return changes


def own_document(changes: list[Change]) -> tuple[str, str]:
    """(collection, key) of the document an event's changes remember it in."""
    return changes[0].collection, changes[0].key


def _changes(meta: Meta, data: EventData) -> list[Change]:
    match data:
        case ProgramCreated():
            return [Change("programs", data.program_id, maximum(model=data.model.value))]
        case ParticipantEnrolled():
            # enrolled twice: the earliest enrolment counts (with its role and school)
            enrolment = [data.enrolled_at.timestamp(), data.role.value, data.school or ""]
            return [_person(data.program_id, data.participant_id, minimum(enrolment=enrolment))]
        case InductionFlagged():
            return [_person(data.program_id, data.participant_id, maximum(flagged=True))]
        case ParticipantStatusChanged():
            key = f"{data.program_id}:{data.participant_id}:{data.term}"
            latest = [data.effective_at.timestamp(), data.status.value]
            return [Change("statuses", key, maximum(participant_id=data.participant_id, term=data.term, latest=latest))]
        case MatchProposed() | MatchRequested() | MatchApproved() | MatchDeclined():
            fields = maximum(mentor_id=data.mentor_id, mentee_id=data.mentee_id, state=PROPOSAL_STATUS[type(data)])
            return [Change("proposals", data.proposal_id, fields)]
        case RelationshipStarted() | RelationshipEnded():
            return _relationship(data)
        case RelationshipAtRisk():
            fields = {**maximum(at_risk=True), **union(at_risk_reasons=[data.reason.value])}
            return [Change("relationships", data.relationship_id, fields)]
        case ClosureRecorded():
            return [Change("relationships", data.relationship_id, union(closure_reasons=[data.reason.value]))]
        case InductionHoursShort():
            return [Change("relationships", data.relationship_id, maximum(induction_hours_short=True))]
        case (
            MeetingScheduled()
            | MeetingRescheduled()
            | MeetingCancelled()
            | MeetingOverdue()
            | ReminderDue()
            | MeetingCompleted()
            | MeetingMissed()
        ):
            return [_meeting(meta, data)]
        case SurveyIssued() | SurveySubmitted() | SurveyReminderDue():
            return [_survey(meta, data)]
        case AnonymousAnswersReleased():
            fields = maximum(campaign_id=data.campaign_id, template=data.template.value)
            fields |= maximum(ratings=sorted(data.ratings), recommends=sorted(data.recommends))
            key = meta.event_id if data.batch is None else f"{data.campaign_id}#{data.batch}"
            return [Change("anonymous", key, {**fields, **minimum(released=meta.time)})]
        case NotificationSent() | NotificationFailed():
            state = [1, "sent"] if isinstance(data, NotificationSent) else [0, "failed"]
            fields = maximum(channel=data.channel.value, template=data.template, state=state)
            return [Change("notifications", data.notification_id, fields)]
    raise TypeError(f"no projection for {type(data).__name__}")


def _person(program_id: str, participant_id: str, fields: Fields) -> Change:
    return Change("participants", f"{program_id}:{participant_id}", {**maximum(participant_id=participant_id), **fields})


def _relationship(data: RelationshipStarted | RelationshipEnded) -> list[Change]:
    ids = maximum(mentor_id=data.mentor_id, mentee_id=data.mentee_id)
    if isinstance(data, RelationshipStarted):
        started = data.started_at.timestamp()
        rel = Change(
            "relationships", data.relationship_id, {**ids, **minimum(started=started), **maximum(state=[0, "active", ""])}
        )
        mentee = _person(data.program_id, data.mentee_id, maximum(as_mentee=True) | minimum(first_as_mentee=started))
        mentor = _person(data.program_id, data.mentor_id, maximum(as_mentor=True) | minimum(first_as_mentor=started))
    else:
        state = [1, "ended", data.reason.value]
        rel = Change("relationships", data.relationship_id, {**ids, **maximum(ended=data.ended_at.timestamp(), state=state)})
        mentee = _person(data.program_id, data.mentee_id, maximum(as_mentee=True))
        mentor = _person(data.program_id, data.mentor_id, maximum(as_mentor=True))
    return [rel, mentee, mentor]


def _meeting(
    meta: Meta,
    data: MeetingScheduled
    | MeetingRescheduled
    | MeetingCancelled
    | MeetingOverdue
    | ReminderDue
    | MeetingCompleted
    | MeetingMissed,
) -> Change:
    fields = maximum(relationship_id=data.relationship_id, kind=data.meeting_kind.value)
    match data:
        case MeetingScheduled():
            fields |= maximum(start=[0, data.starts_at.timestamp()], state=[0, "scheduled", 0])
        case MeetingRescheduled():
            fields |= maximum(start=[data.sequence, data.starts_at.timestamp()], reschedules=data.sequence)
        case MeetingCancelled():
            fields |= maximum(start=[FALLBACK_START, data.starts_at.timestamp()], state=[1, "cancelled", 0])
        case ReminderDue():
            fields |= maximum(start=[FALLBACK_START, data.starts_at.timestamp()], reminded=True)
        case MeetingOverdue():
            fields |= maximum(overdue=True)
        case MeetingMissed():
            fields |= maximum(start=[NO_START, meta.time], state=[2, "missed", 0])
        case MeetingCompleted():
            fields |= maximum(start=[NO_START, meta.time], state=[3, "completed", data.duration_minutes])
    return Change("meetings", data.meeting_id, fields)


def _survey(meta: Meta, data: SurveyIssued | SurveySubmitted | SurveyReminderDue) -> Change:
    fields = maximum(template=data.template.value)
    match data:
        case SurveyIssued():
            fields |= maximum(respondent_id=data.respondent_id, relationship_id=data.relationship_id, state=[0, "issued", 0, -1])
        case SurveySubmitted():
            answer = [1, "submitted", data.rating, -1 if data.recommend is None else data.recommend]
            fields |= {**maximum(relationship_id=data.relationship_id, state=answer), **minimum(submitted=meta.time)}
        case SurveyReminderDue():
            fields |= maximum(respondent_id=data.respondent_id, reminded=True)
    return Change("surveys", data.survey_id, fields)
