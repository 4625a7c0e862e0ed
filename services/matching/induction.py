"""The induction timer: a mentee still unmatched ``induction_days`` (default 30) after enrolling is flagged.

"Unmatched" means never in a relationship of the program (a mentee whose relationship ended early is a rematch,
not a late induction). Every replica sweeps periodically; the event id derives from program and mentee and the flag
is a conditional update, so the event is published once and counted once however many replicas sweep. The event is
stored in the outbox before the flag is set: a replica dying in between leaves the next sweep to finish the job.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import InductionFlagged
from shared.messaging.outbox import Outbox

from .metrics import MatchingMetrics
from .policy import program_settings
from .repository import MatchingRepository
from .runs import Clock, utc_now

WAITING_ROLES = ("mentee", "peer")


@dataclass
class Induction:
    repo: MatchingRepository
    outbox: Outbox
    metrics: MatchingMetrics
    clock: Clock = utc_now

    async def sweep(self) -> int:
        """Flag every overdue mentee not flagged yet; returns how many this call flagged."""
        now, overdue, flagged = self.clock(), 0, 0
        for program in await self.repo.all_programs():
            days = program_settings(program).induction_days
            matched = await self.repo.ever_matched(program["_id"])
            for person in await self.repo.participants_of(program["_id"], program["district"]):
                waited = (now - person["enrolled_at"]).days
                if person["role"] not in WAITING_ROLES or person["participant_id"] in matched or waited < days:
                    continue
                overdue += 1
                if person.get("flagged_at") is not None:
                    continue
                pid = person["participant_id"]
                data = InductionFlagged(
                    program_id=program["_id"], participant_id=pid, enrolled_at=person["enrolled_at"], days_unmatched=waited
                )
                event_id = derived_id("induction.flagged", program["_id"], pid)
                await self.outbox.emit([make_event(data, program["district"], pid, event_id)])
                if await self.repo.flag_participant(program["_id"], pid, now):
                    flagged += 1
                    self.metrics.induction_flagged.inc()
        self.metrics.unmatched_overdue.set(overdue)
        return flagged
