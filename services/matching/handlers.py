"""The match-run job handler: one job off the work queue, solved by this replica.

No ``from __future__ import annotations`` here: FastStream reads these annotations at runtime.
"""

from typing import Annotated

from faststream import Context
from faststream.nats.annotations import NatsMessage

from shared.contracts.envelope import CloudEvent
from shared.contracts.feedback import ClosureRecorded
from shared.contracts.matching import MatchRunRequested

from .runs import MatchRuns
from .workflow import Matching

Runs = Annotated[MatchRuns, Context("runs")]
Service = Annotated[Matching, Context("matching")]
MaxDeliver = Annotated[int, Context("max_deliver")]


async def on_match_run(event: CloudEvent[MatchRunRequested], runs: Runs, msg: NatsMessage, max_deliver: MaxDeliver) -> None:
    """Solve a queued match run; the job is acknowledged only once the run is finished."""
    try:
        await runs.execute(event.data.run_id, heartbeat=msg.in_progress)
    except Exception as exc:
        if msg.raw_message.metadata.num_delivered >= max_deliver:
            await runs.fail(event.data.run_id, f"{type(exc).__name__}: {exc}")
        raise


async def on_closure_recorded(event: CloudEvent[ClosureRecorded], matching: Service) -> None:
    """A participant closed the relationship in feedback: end it here (and rematch when the program says so)."""
    await matching.close(event.data.relationship_id, event.data.reason)
