"""Event handlers: validate the contract (the typed envelope), call one use case.

No ``from __future__ import annotations`` here: FastStream reads these annotations at runtime.
"""

from typing import Annotated

from faststream import Context

from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import RelationshipEnded, RelationshipStarted

from .workflow import Scheduling

Service = Annotated[Scheduling, Context("scheduling")]


async def on_relationship_started(event: CloudEvent[RelationshipStarted], svc: Service) -> None:
    """Schedule the new relationship's first check-in and first observation cycle."""
    await svc.schedule_first_meetings(event.district, event.data)


async def on_relationship_ended(event: CloudEvent[RelationshipEnded], svc: Service) -> None:
    """Cancel the ended relationship's meetings that were still to come."""
    await svc.cancel_after_end(event.data)
