"""Program-wide anonymous survey campaigns: launch, answer, release in batches of at least k, and k-suppressed figures.

How the answers stay unlinkable is described in ``anonymity``. Answering claims a ``responded`` record first (the
only guard against double answers), then adds the answer to the campaign's inbox; if that fails the claim is undone
so the person can try again. A process killed between the two loses that one answer rather than risk counting an
answer twice. The respondent's survey becomes ``answered`` with no time at all.

The sweep releases a campaign's inbox whenever it holds at least k answers, open campaign or closed. Fewer than k
left when a campaign has closed are never released (nor counted in any figure): fewer than k cannot be hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.feedback import AnonymousAnswersReleased, SurveyTemplate
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from . import anonymity, domain
from .anonymous_store import AnonymousStore
from .figures import Figures, summarize
from .metrics import FeedbackMetrics
from .repository import FeedbackRepository
from .templates import current
from .workflow import ALREADY_ANSWERED, Clock, ConflictError, Feedback, NotFoundError, utc_now

ANONYMOUS = SurveyTemplate.PROGRAM_ANONYMOUS
MAX_ATTEMPTS = 50  # optimistic-concurrency retries when many answers arrive at once


@dataclass
class Campaigns:
    repo: FeedbackRepository
    store: AnonymousStore
    feedback: Feedback
    outbox: Outbox
    metrics: FeedbackMetrics
    k: int
    clock: Clock = utc_now

    async def launch(self, program_id: str, district: str, days: int) -> Document:
        """Issue the anonymous survey to every known participant of the program (one open campaign at a time)."""
        people = await self.repo.people_of(program_id, district)
        if not people:
            raise NotFoundError(f"program {program_id} does not exist")
        if len(people) < self.k:
            raise ConflictError(
                f"program {program_id} has {len(people)} participants: fewer than k={self.k} could never be reported"
            )
        now, earlier = self.clock(), await self.store.campaigns_of(program_id)
        if any(not domain.is_expired(c["due_at"], now) for c in earlier):
            raise ConflictError(f"program {program_id} already has an open anonymous survey")
        template, number = current(ANONYMOUS), len(earlier) + 1
        campaign_id = derived_id("campaign", program_id, str(number))  # concurrent launches collide on it
        plans = domain.campaign(campaign_id, program_id, [(p["participant_id"], p["role"]) for p in people], now, days)
        campaign = {
            "_id": campaign_id,
            "number": number,
            "program_id": program_id,
            "district": district,
            "template": template.name.value,
            "template_version": template.version,
            "issued_at": now,
            "due_at": plans[0].due_at,
            "invited": len(plans),
        }
        if not await self.store.add_campaign(campaign):
            raise ConflictError(f"program {program_id} already has an open anonymous survey")
        await self.feedback.issue(plans, district)
        return campaign

    async def answer(self, survey: Document, answers: dict[str, Any]) -> dict[str, Any]:
        """Take one anonymous answer: claim, add to the inbox, close the survey (no time). Returns the cleaned answers."""
        clean = await self.feedback.admit(survey, answers)
        campaign_id, respondent_id = survey["campaign_id"], survey["respondent_id"]
        if not await self.store.claim(campaign_id, respondent_id):
            await self.repo.set_status(survey["_id"], "answered")
            raise ConflictError(ALREADY_ANSWERED)
        try:
            await self._add(campaign_id, anonymity.new_entry(clean))
        except Exception:
            await self.store.unclaim(campaign_id, respondent_id)
            raise
        await self.repo.set_status(survey["_id"], "answered")
        self.metrics.answered.labels(template=ANONYMOUS.value).inc()
        return clean

    async def _add(self, campaign_id: str, entry: anonymity.Entry) -> None:
        for _ in range(MAX_ATTEMPTS):
            inbox = await self.store.pending(campaign_id)
            if inbox is None:
                raise NotFoundError(f"campaign {campaign_id} has no inbox")
            answers = anonymity.with_entry(inbox["answers"], entry)
            if await self.store.replace_pending(campaign_id, inbox["version"], answers, inbox["batches"]):
                return
        raise RuntimeError(f"campaign {campaign_id}: too many concurrent answers, try again")

    async def release_all(self) -> int:
        """Release every campaign's inbox that holds at least k answers; returns how many answers were released."""
        released = 0
        for inbox in await self.store.full_inboxes(self.k):
            released += await self.release(inbox)
        return released

    async def release(self, inbox: Document) -> int:
        """Move one inbox's answers to the answers collection and publish their sorted scores (at least k of them)."""
        batch = anonymity.releasable(inbox["answers"], self.k)
        campaign = await self.store.campaign(inbox["_id"])
        if not batch or campaign is None:
            return 0
        await self.store.store_answers([anonymity.stored(e, campaign) for e in batch])
        ratings, recommends = anonymity.batch_scores(batch)
        data = AnonymousAnswersReleased(
            program_id=campaign["program_id"],
            campaign_id=campaign["_id"],
            template=ANONYMOUS,
            ratings=ratings,
            recommends=recommends,
            batch=inbox["batches"],
        )
        event_id = derived_id("anonymous.released", campaign["_id"], str(inbox["batches"]))
        await self.outbox.emit([make_event(data, campaign["district"], campaign["_id"], event_id)])
        released = {e["id"] for e in batch}
        latest: Document | None = inbox
        for _ in range(MAX_ATTEMPTS):  # an answer given meanwhile changed the inbox: keep it, drop the released
            if latest is None or latest["batches"] > inbox["batches"]:
                return 0  # another replica finished this batch
            rest = [e for e in latest["answers"] if e["id"] not in released]
            if await self.store.replace_pending(campaign["_id"], latest["version"], rest, inbox["batches"] + 1):
                self.metrics.released.inc(len(batch))
                for rating in ratings:
                    self.metrics.rating.labels(template=ANONYMOUS.value).observe(rating)
                return len(batch)
            latest = await self.store.pending(campaign["_id"])
        return 0  # the next sweep finishes it (same event id)

    async def campaigns(self, program_id: str) -> list[tuple[Document, Figures]]:
        """The program's campaigns, each with the figures of its released answers (suppressed below k)."""
        found = []
        for campaign in await self.store.campaigns_of(program_id):
            rows = await self.store.released({"campaign_id": campaign["_id"]})
            found.append((campaign, self._figures(rows)))
        return found

    async def results(self, program_id: str) -> dict[SurveyTemplate, Figures]:
        """Per template, the figures of the program's named answers and released anonymous answers."""
        rows = await self.repo.program_responses(program_id) + await self.store.released({"program_id": program_id})
        return {t: self._figures([r for r in rows if r["template"] == t.value]) for t in SurveyTemplate}

    def _figures(self, rows: list[Document]) -> Figures:
        recommends = [r["recommend"] for r in rows if r.get("recommend") is not None]
        return summarize([r["rating"] for r in rows], recommends, self.k)
