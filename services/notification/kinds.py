"""Who hears about which event, with which template, and whether they may opt out. Pure: no I/O.

| event               | kind                    | recipients                  | template                             | essential |
| ------------------- | ----------------------- | --------------------------- | ------------------------------------ | --------- |
| RelationshipStarted | `relationship_started`  | mentor and mentee           | `relationship_started`               | yes       |
| RelationshipEnded   | `relationship_ended`    | mentor and mentee           | `relationship_completed` (completed) | yes       |
|                     |                         |                             | `relationship_ended` (early)         |           |
| MeetingScheduled    | `meeting_scheduled`     | every participant           | `meeting_scheduled`                  | no        |
| MeetingRescheduled  | `meeting_rescheduled`   | every participant           | `meeting_rescheduled`                | yes       |
| MeetingCancelled    | `meeting_cancelled`     | every participant           | `meeting_cancelled`                  | yes       |
| ReminderDue         | `reminder_due`          | every participant           | `reminder_due`                       | no        |
| MeetingOverdue      | `meeting_overdue`       | every participant           | `meeting_overdue`                    | no        |
| InductionHoursShort | `induction_hours_short` | the mentee (participant_id) | `induction_hours_short`              | no        |
| SurveyIssued        | `survey_issued`         | the respondent              | `survey_issued`                      | no        |
| SurveyReminderDue   | `survey_reminder_due`   | the respondent              | `survey_reminder_due`                | no        |
| MatchRequested      | `match_requested`       | the mentor (a mentee asked) | `match_requested`                    | no        |
| MatchDeclined       | `match_declined`        | the mentee                  | `match_declined`                     | no        |

A reminder's ``late`` flag changes its wording; an overdue meeting asks for its outcome to be logged.
Essential kinds cannot be opted out of and never wait for the daily digest. A reminder is non-essential
(it can be opted out of) but is never put in the digest either: a reminder collected until the digest
hour would arrive after the meeting. ``params`` hold ids, enum values, numbers and ISO times only: they
are stored with the delivery, posted to webhooks, and never name anyone (names come from the contact
directory when a message is rendered).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from shared.contracts.envelope import EventData
from shared.contracts.feedback import SurveyIssued, SurveyReminderDue
from shared.contracts.matching import EndReason, MatchDeclined, MatchRequested, RelationshipEnded, RelationshipStarted
from shared.contracts.scheduling import (
    InductionHoursShort,
    MeetingCancelled,
    MeetingOverdue,
    MeetingRescheduled,
    MeetingScheduled,
    ReminderDue,
)


class Kind(StrEnum):
    RELATIONSHIP_STARTED = "relationship_started"
    RELATIONSHIP_ENDED = "relationship_ended"
    MEETING_SCHEDULED = "meeting_scheduled"
    MEETING_RESCHEDULED = "meeting_rescheduled"
    MEETING_CANCELLED = "meeting_cancelled"
    REMINDER_DUE = "reminder_due"
    MEETING_OVERDUE = "meeting_overdue"
    INDUCTION_HOURS_SHORT = "induction_hours_short"
    SURVEY_ISSUED = "survey_issued"
    SURVEY_REMINDER_DUE = "survey_reminder_due"
    MATCH_REQUESTED = "match_requested"
    MATCH_DECLINED = "match_declined"


ESSENTIAL: Final = frozenset(
    {Kind.RELATIONSHIP_STARTED, Kind.RELATIONSHIP_ENDED, Kind.MEETING_CANCELLED, Kind.MEETING_RESCHEDULED}
)
NEVER_DIGESTED: Final = ESSENTIAL | {Kind.REMINDER_DUE}
#: Every template name (one per kind, two for relationship_ended): each exists in every language.
TEMPLATES: Final = (*(k.value for k in Kind), "relationship_completed")


@dataclass(frozen=True)
class Notice:
    """One message to one recipient. ``partner_ids`` and ``actor_id`` are people the message names (by id)."""

    recipient_id: str
    kind: Kind
    template: str
    partner_ids: tuple[str, ...] = ()
    actor_id: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def time_zone_of(data: EventData) -> str | None:
    """The IANA zone an event says its people read times in (meeting and reminder events carry one)."""
    zone = getattr(data, "time_zone", None)
    return zone if isinstance(zone, str) else None


def plan(data: EventData) -> list[Notice]:
    """The notices an event causes, one per recipient (duplicates removed, order kept)."""
    match data:
        case RelationshipStarted():
            return _pair(data, Kind.RELATIONSHIP_STARTED, "relationship_started", {"started_at": _iso(data.started_at)})
        case RelationshipEnded():
            template = "relationship_completed" if data.reason is EndReason.COMPLETED else "relationship_ended"
            ended = {"ended_at": _iso(data.ended_at), "reason": data.reason.value}
            return _pair(data, Kind.RELATIONSHIP_ENDED, template, ended)
        case MeetingScheduled():
            scheduled: dict[str, Any] = {"duration_minutes": data.duration_minutes}
            return _meeting(data, Kind.MEETING_SCHEDULED, scheduled)
        case MeetingRescheduled():
            params: dict[str, Any] = {
                "duration_minutes": data.duration_minutes,
                "previous_starts_at": _iso(data.previous_starts_at),
            }
            return _meeting(data, Kind.MEETING_RESCHEDULED, params | {"sequence": data.sequence}, data.rescheduled_by)
        case MeetingCancelled():
            return _meeting(data, Kind.MEETING_CANCELLED, {"platform": data.cancelled_by is None}, data.cancelled_by)
        case ReminderDue():
            reminder: dict[str, Any] = {
                "duration_minutes": data.duration_minutes,
                "offset_minutes": data.offset_minutes,
                "late": data.late,
            }
            return _meeting(data, Kind.REMINDER_DUE, reminder | {"reminder_id": data.reminder_id})
        case MeetingOverdue():
            return _meeting(data, Kind.MEETING_OVERDUE, {"ends_at": _iso(data.ends_at)})
        case InductionHoursShort():
            short: dict[str, Any] = {
                "relationship_id": data.relationship_id,
                "logged_minutes": data.logged_minutes,
                "required_minutes": data.required_minutes,
                "window_days": data.window_days,
                "window_end": _iso(data.window_end),
            }
            return [Notice(data.participant_id, Kind.INDUCTION_HOURS_SHORT, "induction_hours_short", params=short)]
        case SurveyIssued():
            survey = {"survey_id": data.survey_id, "survey": data.template.value, "due_at": _iso(data.due_at)}
            return [Notice(data.respondent_id, Kind.SURVEY_ISSUED, "survey_issued", params=survey)]
        case SurveyReminderDue():
            survey = {"survey_id": data.survey_id, "survey": data.template.value, "due_at": _iso(data.due_at)}
            return [Notice(data.respondent_id, Kind.SURVEY_REMINDER_DUE, "survey_reminder_due", params=survey)]
        case MatchRequested():
            ids = {"proposal_id": data.proposal_id}
            return [Notice(data.mentor_id, Kind.MATCH_REQUESTED, "match_requested", (data.mentee_id,), params=ids)]
        case MatchDeclined():
            ids = {"proposal_id": data.proposal_id}
            return [Notice(data.mentee_id, Kind.MATCH_DECLINED, "match_declined", (data.mentor_id,), params=ids)]
    raise TypeError(f"no notification is planned for {type(data).__name__}")


def _iso(moment: Any) -> str:
    return moment.isoformat()  # type: ignore[no-any-return]


def _pair(data: RelationshipStarted | RelationshipEnded, kind: Kind, template: str, params: dict[str, Any]) -> list[Notice]:
    common = {"relationship_id": data.relationship_id, **params}
    return [
        Notice(data.mentor_id, kind, template, (data.mentee_id,), params={**common, "role": "mentor", "partner_role": "mentee"}),
        Notice(data.mentee_id, kind, template, (data.mentor_id,), params={**common, "role": "mentee", "partner_role": "mentor"}),
    ]


def _meeting(data: Any, kind: Kind, extra: dict[str, Any], actor_id: str | None = None) -> list[Notice]:
    """One notice per participant of a meeting event, naming the others."""
    people = list(dict.fromkeys(data.participant_ids))
    params: dict[str, Any] = {
        "relationship_id": data.relationship_id,
        "meeting_id": data.meeting_id,
        "meeting_kind": data.meeting_kind.value,
        **extra,
    }
    if hasattr(data, "starts_at"):
        params["starts_at"] = _iso(data.starts_at)
    return [Notice(pid, kind, kind.value, tuple(p for p in people if p != pid), actor_id, params) for pid in people]
