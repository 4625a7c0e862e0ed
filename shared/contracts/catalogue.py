"""Every event kind in one list: drives the README catalogue and the contract tests."""

from __future__ import annotations

from typing import Final

from shared.contracts import feedback, matching, notification, scheduling
from shared.contracts.envelope import EventData

EVENTS: Final[tuple[type[EventData], ...]] = (
    matching.ProgramCreated,
    matching.ParticipantEnrolled,
    matching.MatchProposed,
    matching.MatchApproved,
    matching.RelationshipStarted,
    matching.RelationshipEnded,
    matching.MatchRequested,
    matching.MatchDeclined,
    matching.InductionFlagged,
    matching.ParticipantStatusChanged,
    scheduling.MeetingScheduled,
    scheduling.MeetingCompleted,
    scheduling.MeetingMissed,
    scheduling.MeetingRescheduled,
    scheduling.MeetingCancelled,
    scheduling.MeetingOverdue,
    scheduling.ReminderDue,
    scheduling.InductionHoursShort,
    notification.NotificationSent,
    notification.NotificationFailed,
    feedback.SurveyIssued,
    feedback.SurveySubmitted,
    feedback.SurveyReminderDue,
    feedback.AnonymousAnswersReleased,
    feedback.RelationshipAtRisk,
    feedback.ClosureRecorded,
)

#: Internal messages on work queues: on the bus, not part of the public contract.
JOBS: Final[tuple[type[EventData], ...]] = (matching.MatchRunRequested,)


def markdown_table() -> str:
    """The event catalogue as a Markdown table (``python -m shared.contracts.catalogue``)."""
    rows = ["| type | subject | producer | data fields |", "| --- | --- | --- | --- |"]
    for model in EVENTS:
        fields = ", ".join(f"`{name}`" for name in model.model_fields)
        rows.append(f"| `{model.kind.type}` | `{model.kind.documented_subject}` | {model.kind.domain.value} | {fields} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
