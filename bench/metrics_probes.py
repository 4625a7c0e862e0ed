"""Probe events for the lag benchmark: one kind per producing stream, each counted by its own summary figure.

Probes take turns through the four streams, so the measured lag is that of every stream's consumer, the
busiest ones (scheduling, notification) included, not only of the one that carries enrolments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.envelope import EventData
from shared.contracts.feedback import SurveyIssued, SurveyTemplate
from shared.contracts.matching import ParticipantEnrolled, Role
from shared.contracts.notification import Channel, NotificationSent
from shared.contracts.scheduling import MeetingKind, MeetingScheduled

PROBE_DISTRICT, PROBE_PROGRAM = "PROBE", "probe-program"


@dataclass(frozen=True)
class Probe:
    stream: str
    event: Callable[[int], EventData]  # the n-th probe of this kind
    counted: Callable[[dict[str, Any]], int]  # how many of them a program summary shows


def _enrolment(n: int) -> EventData:
    now = datetime.now(UTC)
    return ParticipantEnrolled(program_id=PROBE_PROGRAM, participant_id=f"probe{n}", role=Role.MENTEE, enrolled_at=now)


def _meeting(n: int) -> EventData:
    return MeetingScheduled(
        program_id=PROBE_PROGRAM,
        relationship_id="probe-r",
        meeting_id=f"probe-mt{n}",
        meeting_kind=MeetingKind.CHECK_IN,
        participant_ids=["probe-a", "probe-b"],
        starts_at=datetime.now(UTC) + timedelta(days=7),
        duration_minutes=30,
    )


def _notification(n: int) -> EventData:
    return NotificationSent(
        program_id=PROBE_PROGRAM,
        recipient_id="probe-a",
        channel=Channel.EMAIL,
        cause_event_id="probe",
        notification_id=f"probe-n{n}",
        template="meeting_scheduled",
    )


def _survey(n: int) -> EventData:
    return SurveyIssued(
        program_id=PROBE_PROGRAM,
        relationship_id="probe-r",
        survey_id=f"probe-s{n}",
        template=SurveyTemplate.MEETING_PULSE,
        respondent_id="probe-a",
        due_at=datetime.now(UTC) + timedelta(days=7),
    )


PROBES = (
    Probe("matching", _enrolment, lambda s: int(s["enrolled"])),
    Probe("scheduling", _meeting, lambda s: int(s["meetings"]["scheduled"])),
    Probe("notification", _notification, lambda s: int(s["notifications"]["sent"])),
    Probe("feedback", _survey, lambda s: int(s["surveys"]["issued"])),
)
