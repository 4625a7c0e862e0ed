"""The event-driven survey schedule: what feedback learns from matching's and scheduling's events, and what it issues.

- RelationshipStarted: remember the partners; issue the 30-day match-quality survey to both.
- RelationshipEnded: issue the closure survey to both (and no mid-cycle survey any more).
- ParticipantEnrolled: remember who is in a program (for program-wide campaigns).
- MeetingScheduled / MeetingRescheduled: remember the meeting's participants and start.
- MeetingCompleted: issue the meeting pulse to its participants.
- MeetingMissed: check for two missed meetings in a row (``atrisk``).

Every step is idempotent: upserts keyed by natural ids, surveys and events with derived ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.contracts.matching import ParticipantEnrolled, RelationshipEnded, RelationshipStarted
from shared.contracts.scheduling import MeetingCompleted, MeetingMissed, MeetingRescheduled, MeetingScheduled

from . import domain
from .atrisk import RiskWatch
from .repository import FeedbackRepository
from .workflow import Feedback


class ParticipantsUnknownError(LookupError):
    """A completed meeting whose participants are not known yet (neither the meeting nor its relationship): retried."""


@dataclass
class Schedule:
    repo: FeedbackRepository
    feedback: Feedback
    risk: RiskWatch

    async def relationship_started(self, data: RelationshipStarted, district: str) -> list[str]:
        """Remember the partners and issue the match-quality survey; returns the survey ids that were new."""
        fields = {
            "program_id": data.program_id,
            "district": district,
            "mentor_id": data.mentor_id,
            "mentee_id": data.mentee_id,
            "started_at": domain.as_utc(data.started_at),
        }
        await self.repo.relationship_started(data.relationship_id, fields)
        for pid, role in domain.pair(data.mentor_id, data.mentee_id):
            await self.repo.add_person(data.program_id, district, pid, role)
        plans = domain.match_quality(data.program_id, data.relationship_id, data.mentor_id, data.mentee_id, data.started_at)
        return await self.feedback.issue(plans, district)

    async def relationship_ended(self, data: RelationshipEnded, district: str) -> list[str]:
        """Mark the relationship ended and issue the closure survey to both partners."""
        fields = {
            "program_id": data.program_id,
            "district": district,
            "mentor_id": data.mentor_id,
            "mentee_id": data.mentee_id,
            "ended_at": domain.as_utc(data.ended_at),
            "end_reason": data.reason.value,
        }
        await self.repo.relationship_ended(data.relationship_id, fields)
        plans = domain.closure(data.program_id, data.relationship_id, data.mentor_id, data.mentee_id, data.ended_at)
        return await self.feedback.issue(plans, district)

    async def participant_enrolled(self, data: ParticipantEnrolled, district: str) -> None:
        await self.repo.add_person(data.program_id, district, data.participant_id, data.role.value)

    async def meeting_scheduled(self, data: MeetingScheduled | MeetingRescheduled, district: str) -> None:
        """Remember who meets and when (a reschedule carries a higher ``sequence``; the latest wins)."""
        fields = {
            "relationship_id": data.relationship_id,
            "program_id": data.program_id,
            "district": district,
            "participant_ids": list(data.participant_ids),
            "starts_at": domain.as_utc(data.starts_at),
        }
        sequence = data.sequence if isinstance(data, MeetingRescheduled) else 0
        await self.repo.meeting_seen(data.meeting_id, fields, sequence)

    async def meeting_completed(self, data: MeetingCompleted, district: str, completed_at: datetime) -> list[str]:
        """Issue the pulse to the meeting's participants (its relationship's partners when the meeting is unknown)."""
        where = {"relationship_id": data.relationship_id, "program_id": data.program_id, "district": district}
        meeting = await self.repo.meeting_outcome(data.meeting_id, where, "completed")
        relationship = await self.repo.relationship(data.relationship_id)
        mentor = relationship["mentor_id"] if relationship else None
        mentee = relationship["mentee_id"] if relationship else None
        participant_ids = meeting.get("participant_ids") or [p for p in (mentor, mentee) if p]
        if not participant_ids:
            raise ParticipantsUnknownError(f"meeting {data.meeting_id}: participants not known yet")
        participants = domain.roles(participant_ids, mentor, mentee)
        plans = domain.pulse(data.program_id, data.relationship_id, data.meeting_id, participants, completed_at)
        return await self.feedback.issue(plans, district)

    async def meeting_missed(self, data: MeetingMissed, district: str) -> None:
        await self.risk.missed(data, district)
