"""Match runs as jobs: requested over HTTP, queued on the JetStream work queue, solved by whichever replica takes them.

A run is done exactly once in effect, also when the replica solving it dies: the job is acknowledged only after the
run is finished, a silent replica's job is redelivered to another one after the consumer's ack wait, and every write
is keyed by the run (proposal ids derive from run and mentee, leftovers of a crashed attempt are replaced, the run is
marked done once, events carry derived ids). While working, the replica tells JetStream it is still working
(``in_progress``) so a long solve is not taken away from a live replica.

One run per program at a time: a run works under the program's lease (``seats.Seats.lease``), so each run sees the
program as the previous one left it. A run of scope ``all`` supersedes the drafts earlier runs left; one of scope
``remaining`` leaves them and matches around them. A done run whose proposals were not shown yet (its replica died in
between) shows them only if no run finished after it; otherwise they are superseded unseen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import MatchRunRequested
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from .metrics import MatchingMetrics
from .policy import program_rules
from .problem import ProgramState, Scope, solve_state
from .repository import MatchingRepository
from .run_output import proposal_docs, proposed_event, run_summary
from .seats import Seats

log = logging.getLogger(__name__)
LEASE_POLL_SECONDS = 0.5
LEASE_TTL_BEATS = 6  # a lease outlives six missed heartbeats (two ack waits) before another run may take over
Heartbeat = Callable[[], Awaitable[None]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class MatchRuns:
    repo: MatchingRepository
    seats: Seats
    outbox: Outbox
    metrics: MatchingMetrics
    replica: str  # who takes a job, recorded on the run (host:pid)
    heartbeat_seconds: float = 10.0
    hold_seconds: float = 0.0  # fault-injection knob for failover drills and tests: wait this long before solving
    clock: Clock = utc_now

    async def request(self, program: Document, scope: Scope, *, cause: str | None = None) -> Document:
        """Queue a run of ``program``; ``cause`` (e.g. a relationship that ended) makes the request idempotent."""
        run_id = derived_id("run", program["_id"], cause) if cause else str(uuid.uuid4())
        run: Document = {
            "_id": run_id,
            "program_id": program["_id"],
            "district": program["district"],
            "scope": scope.value,
            "status": "queued",
            "requested_at": self.clock(),
            "attempts": 0,
        }
        if not await self.repo.add_run(run):
            run = await self.repo.run(run_id) or run
            if run["status"] != "queued":
                return run
        # Emitted again for a queued run found on a retry (the job may not have gone out): the derived id dedupes.
        job = MatchRunRequested(program_id=program["_id"], run_id=run_id)
        await self.outbox.emit([make_event(job, program["district"], run_id, derived_id("matchrun.requested", run_id))])
        return run

    async def execute(self, run_id: str, heartbeat: Heartbeat) -> None:
        """Solve run ``run_id`` (the job handler); safe to call again for the same run at any point."""
        run = await self.repo.run(run_id)
        if run is None:
            log.warning("match-run job for unknown run %s dropped", run_id)
            return
        ttl = timedelta(seconds=self.heartbeat_seconds * LEASE_TTL_BEATS)
        program_id = run["program_id"]

        async def beat() -> None:
            await heartbeat()
            await self.seats.lease(program_id, run_id, self.clock(), ttl)

        async with _beating(beat, self.heartbeat_seconds):
            version = await self._lease(program_id, run_id, ttl)
            try:
                if run["status"] == "queued":
                    self.metrics.queue_wait_seconds.observe(max((self.clock() - run["requested_at"]).total_seconds(), 0.0))
                claimed = await self.repo.claim_run(run_id, self.replica, self.clock())
                if claimed is not None:
                    self.metrics.run_attempts.inc()
                    if self.hold_seconds:
                        await asyncio.sleep(self.hold_seconds)
                    await self._solve(claimed, version)
                await self._publish(run_id)
            finally:
                await self.seats.unlease(program_id, run_id)

    async def _lease(self, program_id: str, run_id: str, ttl: timedelta) -> int:
        """Wait for the program's run lease (another run of it may be working, possibly on another replica)."""
        while True:
            version = await self.seats.lease(program_id, run_id, self.clock(), ttl)
            if version is not None:
                return version
            await asyncio.sleep(LEASE_POLL_SECONDS)  # the holder is another process: nothing to wait on

    async def fail(self, run_id: str, error: str) -> None:
        """The job's last delivery failed: the run is marked failed and its hidden proposals dropped."""
        await self.repo.finish_run(run_id, "failed", {"error": error[:500], "finished_at": self.clock()})
        await self.repo.replace_pending(run_id, [])

    async def fail_stuck(self, max_attempts: int, older_than: timedelta) -> int:
        """Runs whose replicas died on every delivery (e.g. killed for memory) are marked failed; returns how many."""
        now, failed = self.clock(), 0
        for run in await self.repo.unfinished_runs():
            claimed_at = run.get("claimed_at")
            if run.get("attempts", 0) >= max_attempts and claimed_at is not None and now - claimed_at > older_than:
                await self.fail(run["_id"], "every delivery of the job stopped before the run finished")
                failed += 1
        return failed

    async def _solve(self, run: Document, version: int) -> None:
        program = await self.repo.program(run["program_id"])
        if program is None:
            await self.repo.finish_run(run["_id"], "failed", {"error": "program no longer exists"})
            return
        scope = Scope(run["scope"])
        open_proposals = await self.repo.open_proposals(program["_id"])
        if scope is Scope.ALL:  # earlier runs' drafts are replaced; hand-made drafts and requests stay
            open_proposals = [p for p in open_proposals if p.get("origin") != "run"]
        state = ProgramState(
            program_rules(program),
            await self.repo.participants_of(program["_id"], program["district"]),
            await self.repo.relationships_in(program["_id"]),
            open_proposals,
        )
        started = time.perf_counter()
        # CPU-bound: solved in a worker thread, so the event loop (and /health) keep answering.
        solution, incomplete = await asyncio.to_thread(solve_state, state, scope)
        seconds = time.perf_counter() - started
        now = self.clock()
        await self.repo.replace_pending(run["_id"], proposal_docs(run, solution, now))
        summary = run_summary(solution, incomplete, seconds, now)
        if await self.repo.finish_run(run["_id"], "done", {**summary, "lease_version": version}):
            self.metrics.runs.inc()
            self.metrics.solve_seconds.observe(seconds)
            self.metrics.proposals.inc(len(solution.pairs))
            self.metrics.unmatched.inc(len(summary["unmatched"]))
            self.metrics.pairs_considered.inc(solution.pairs_considered)

    async def _publish(self, run_id: str) -> None:
        """Show a done run's proposals and announce them (again, harmlessly, after a redelivery).

        Runs normally work one at a time, but a replica stalled past its lease may overlap with the next run; the
        checks are repeated after showing, so whichever of two overlapping runs checks last leaves the newer one's.
        """
        run = await self.repo.run(run_id)
        if run is None or run["status"] != "done":
            return
        if await self._newer_done(run, any_scope=True):  # a run finished after this one: its proposals stand
            await self.repo.publish_pending(run_id, "superseded")
            return
        await self._supersede_older(run)
        await self.repo.publish_pending(run_id, "draft")
        if await self._newer_done(run, any_scope=False):
            await self.repo.supersede_drafts(run["program_id"], [run_id])
        await self._supersede_older(run)
        proposals = [p for p in await self.repo.proposals_of_run(run_id) if p["status"] in ("draft", "approved", "rejected")]
        await self.outbox.emit([proposed_event(p) for p in proposals])

    async def _others_done(self, run: Document) -> list[Document]:
        runs = await self.repo.runs_of(run["program_id"])
        return [r for r in runs if r["_id"] != run["_id"] and r["status"] == "done"]

    async def _newer_done(self, run: Document, *, any_scope: bool) -> bool:
        """A run that worked after this one is done (of scope ``all`` only, unless ``any_scope``)."""
        mine = run.get("lease_version", 0)
        return any(
            r.get("lease_version", 0) > mine and (any_scope or r["scope"] == Scope.ALL.value)
            for r in await self._others_done(run)
        )

    async def _supersede_older(self, run: Document) -> None:
        """A run of scope ``all`` replaces the drafts of every run that worked before it."""
        if run["scope"] == Scope.ALL.value:
            mine = run.get("lease_version", 0)
            older = [r["_id"] for r in await self._others_done(run) if r.get("lease_version", 0) < mine]
            await self.repo.supersede_drafts(run["program_id"], older)


@contextlib.asynccontextmanager
async def _beating(heartbeat: Heartbeat, every: float) -> AsyncIterator[None]:
    """Call ``heartbeat`` every ``every`` seconds while the block runs."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(every)
            await heartbeat()

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
