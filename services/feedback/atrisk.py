"""At-risk warnings for the district coordinator: two missed meetings in a row, or a low pulse (rules in ``risk``).

Each warning has an id derived from its relationship, reason and occurrence, so a redelivered event or a second
replica re-emits the same event (dropped as a duplicate) and counts nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.envelope import make_event
from shared.contracts.feedback import AtRiskReason, RelationshipAtRisk
from shared.contracts.scheduling import MeetingMissed
from shared.messaging.outbox import Outbox

from . import risk
from .metrics import FeedbackMetrics
from .repository import FeedbackRepository


class MeetingStartUnknownError(LookupError):
    """A missed meeting whose start is not known yet (its MeetingScheduled is still on its way): retried."""


@dataclass
class RiskWatch:
    repo: FeedbackRepository
    outbox: Outbox
    metrics: FeedbackMetrics

    async def warn(self, program_id: str, relationship_id: str, district: str, reason: AtRiskReason, occurrence: str) -> None:
        """Publish one ``RelationshipAtRisk`` for this occurrence (stored in the outbox before it is counted)."""
        alert = risk.alert_id(relationship_id, reason, occurrence)
        data = RelationshipAtRisk(program_id=program_id, relationship_id=relationship_id, reason=reason)
        await self.outbox.emit([make_event(data, district, relationship_id, alert)])
        if await self.repo.add_alert(alert, relationship_id, reason.value):
            self.metrics.at_risk.labels(reason=reason.value).inc()

    async def missed(self, event: MeetingMissed, district: str) -> None:
        """Record the missed meeting; warn for every run of two or more missed meetings in a row."""
        where = {"relationship_id": event.relationship_id, "program_id": event.program_id, "district": district}
        meeting = await self.repo.meeting_outcome(event.meeting_id, where, "missed")
        if meeting.get("starts_at") is None:
            raise MeetingStartUnknownError(f"meeting {event.meeting_id}: start not known yet")
        outcomes = [
            risk.Outcome(m["_id"], m["starts_at"], m["outcome"] == "missed")
            for m in await self.repo.outcomes_of(event.relationship_id)
        ]
        for first in risk.missed_runs(outcomes):
            await self.warn(event.program_id, event.relationship_id, district, AtRiskReason.TWO_MISSED_MEETINGS, first)
