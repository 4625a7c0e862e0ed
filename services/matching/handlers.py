"""The match-run job handler: one job off the work queue, solved by this replica.

No ``from __future__ import annotations`` here: FastStream reads these annotations at runtime.
"""

from typing import Annotated

from faststream import Context
from faststream.nats.annotations import NatsMessage

from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import MatchRunRequested

from .runs import MatchRuns

Runs = Annotated[MatchRuns, Context("runs")]
MaxDeliver = Annotated[int, Context("max_deliver")]


async def on_match_run(event: CloudEvent[MatchRunRequested], runs: Runs, msg: NatsMessage, max_deliver: MaxDeliver) -> None:
    """Solve a queued match run; the job is acknowledged only once the run is finished."""
    try:
        await runs.execute(event.data.run_id, heartbeat=msg.in_progress)
    except Exception as exc:
        if msg.raw_message.metadata.num_delivered >= max_deliver:
            await runs.fail(event.data.run_id, f"{type(exc).__name__}: {exc}")
        raise
