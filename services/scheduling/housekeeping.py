"""The periodic sweep every replica runs (``SCHEDULING_SWEEP_SECONDS``): extend the horizon, fire due reminders,
flag overdue meetings, check induction hours. Every step is safe with several replicas sweeping at once:
conditional updates decide who counts a change, and events carry ids derived from their cause.

- **Overdue**: a meeting still ``scheduled`` ``overdue_grace_hours`` after its end gets ``overdue_at`` (its
  status stays) and one ``MeetingOverdue`` (per reschedule count, so a moved meeting can be overdue again).
- **Induction hours**: a relationship's time is cut into 28-day windows from its start. Once a window is over,
  the completed meeting minutes of its mentee in the program's meetings that started inside it are added up; below
  the program's ``induction_minimum_minutes`` the mentee is flagged with one ``InductionHoursShort`` for that
  relationship and window. Each window is judged once (the latest complete one; relationships younger than 28
  days have none).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.scheduling import InductionHoursShort
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document, insert_once

from . import announce
from .cadence import ProgramCadence
from .metrics import SchedulingMetrics
from .planning import Planning
from .reminders import Reminders
from .repository import SchedulingRepository
from .stores import PlanningStore
from .workflow import Clock, utc_now

log = logging.getLogger(__name__)
WINDOW_DAYS: Final = 28


@dataclass
class Housekeeping:
    planning: Planning
    reminders: Reminders
    repo: SchedulingRepository
    store: PlanningStore
    outbox: Outbox
    metrics: SchedulingMetrics
    db: AsyncDatabase[Document]
    clock: Clock = utc_now

    async def run(self) -> None:
        """One sweep at the clock's time; a failing step is logged and the others still run."""
        now = self.clock()
        for step in (self.planning.extend_all, self.reminders.sweep, self.flag_overdue, self.check_induction):
            try:
                await step(now)
            except Exception:
                log.exception("scheduling sweep step %s failed", step.__name__)

    async def _cadence(self, cache: dict[str, ProgramCadence], program_id: str) -> ProgramCadence:
        if program_id not in cache:
            cache[program_id] = self.store.cadence_of(await self.store.program(program_id))
        return cache[program_id]

    async def flag_overdue(self, now: datetime) -> int:
        """Flag the meetings nobody marked within the grace period; returns how many this call flagged."""
        cache: dict[str, ProgramCadence] = {}
        flagged = 0
        for meeting in await self.repo.started_unflagged(now):
            grace = timedelta(hours=(await self._cadence(cache, meeting["program_id"])).overdue_grace_hours)
            if announce.ends_at(meeting) + grace > now:
                continue
            await self.outbox.emit([announce.overdue(meeting)])  # stored first: a replica dying next leaves it to the next sweep
            if await self.repo.flag_overdue(meeting, now):
                flagged += 1
                self.metrics.overdue.labels(kind=meeting["kind"]).inc()
        return flagged

    async def check_induction(self, now: datetime) -> int:
        """Judge each active relationship's latest complete 28-day window; returns how many mentees this call flagged."""
        flags = self.db["induction_windows"]
        relationships = await self.store.all_relationships()
        ended = await self.repo.ended_ids([r["_id"] for r in relationships])
        cache: dict[str, ProgramCadence] = {}
        window = timedelta(days=WINDOW_DAYS)
        flagged = 0
        for rel in relationships:
            required = (await self._cadence(cache, rel["program_id"])).induction_minimum_minutes
            index = (now - rel["started_at"]) // window - 1
            if rel["_id"] in ended or required == 0 or index < 0:
                continue
            window_id = derived_id("induction_hours.short", rel["_id"], str(index))
            if await flags.find_one({"_id": window_id}, {"_id": 1}):
                continue
            window_end = rel["started_at"] + (index + 1) * window
            held = [
                m.get("actual_minutes") or 0
                for m in await self.repo.completed_of(rel["mentee_id"], rel["program_id"])
                if window_end - window <= m["starts_at"] < window_end
            ]
            short = sum(held) < required
            if short:
                data = InductionHoursShort(
                    program_id=rel["program_id"],
                    relationship_id=rel["_id"],
                    participant_id=rel["mentee_id"],
                    logged_minutes=sum(held),
                    required_minutes=required,
                    window_days=WINDOW_DAYS,
                    window_end=window_end,
                )
                await self.outbox.emit([make_event(data, rel["district"], rel["_id"], window_id)])
            record = {"_id": window_id, "relationship_id": rel["_id"], "short": short, "logged_minutes": sum(held)}
            if await insert_once(flags, record) and short:
                flagged += 1
                self.metrics.induction_short.inc()
        return flagged
