"""The periodic sweep every replica runs (``FEEDBACK_SWEEP_SECONDS``), at an injectable clock's time.

1. release anonymous answers: every campaign inbox holding at least k answers (``campaigns``);
2. issue the mid-cycle check to relationships between day 91 and day 98 (``domain``);
3. remind: one ``SurveyReminderDue`` per open survey, ``FEEDBACK_REMINDER_HOURS_BEFORE`` (48 h) before it is due,
   unless it was issued inside that window (the invitation is recent enough);
4. expire open surveys past their due date.

Safe with several replicas sweeping at once: events carry ids derived from their cause and are stored in the
outbox before the conditional update that decides who counts the change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.contracts.envelope import CloudEvent, derived_id, make_event
from shared.contracts.feedback import SurveyReminderDue, SurveyTemplate
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from . import domain
from .campaigns import Campaigns
from .metrics import FeedbackMetrics
from .repository import FeedbackRepository
from .workflow import Clock, Feedback, utc_now

log = logging.getLogger(__name__)


@dataclass
class Sweep:
    repo: FeedbackRepository
    feedback: Feedback
    campaigns: Campaigns
    outbox: Outbox
    metrics: FeedbackMetrics
    remind_before: timedelta
    clock: Clock = utc_now

    async def run(self) -> None:
        """One sweep at the clock's time; a failing step is logged and the others still run."""
        now = self.clock()
        for step in (self.release, self.mid_cycle, self.remind_and_expire):
            try:
                await step(now)
            except Exception:
                log.exception("feedback sweep step %s failed", step.__name__)

    async def release(self, now: datetime) -> int:
        return await self.campaigns.release_all()

    async def mid_cycle(self, now: datetime) -> int:
        """Issue the mid-cycle check where it is due; returns how many relationships got it."""
        issued = 0
        for rel in await self.repo.active_without_mid_cycle():
            started = rel.get("started_at")
            if started is None or domain.as_utc(now) - domain.as_utc(started) >= domain.MID_CYCLE_UNTIL:
                await self.repo.mark_mid_cycle(rel["_id"])  # too late for a half-way check: never
                continue
            if not domain.mid_cycle_window(started, now):
                continue
            plans = domain.mid_cycle(rel["program_id"], rel["_id"], rel["mentor_id"], rel["mentee_id"], started)
            await self.feedback.issue(plans, rel["district"])
            await self.repo.mark_mid_cycle(rel["_id"])
            issued += 1
        return issued

    async def remind_and_expire(self, now: datetime) -> tuple[int, int]:
        """Remind open surveys about to fall due, expire those past due; returns (reminded, expired)."""
        reminded = expired = 0
        for survey in await self.repo.open_due_by(now + self.remind_before):
            template = survey["template"]
            if domain.is_expired(survey["due_at"], now):
                if await self.repo.set_status(survey["_id"], "expired"):
                    self.metrics.expired.labels(template=template).inc()
                    expired += 1
            elif not survey["reminded"] and domain.reminder_due(survey["issued_at"], survey["due_at"], now, self.remind_before):
                await self.outbox.emit([self._reminder(survey)])
                if await self.repo.mark_reminded(survey["_id"]):
                    self.metrics.reminded.labels(template=template).inc()
                    reminded += 1
        return reminded, expired

    @staticmethod
    def _reminder(survey: Document) -> CloudEvent[SurveyReminderDue]:
        data = SurveyReminderDue(
            program_id=survey["program_id"],
            survey_id=survey["_id"],
            respondent_id=survey["respondent_id"],
            template=SurveyTemplate(survey["template"]),
            due_at=survey["due_at"],
        )
        return make_event(data, survey["district"], survey["_id"], derived_id("survey.reminder", survey["_id"]))
