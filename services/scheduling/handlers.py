"""Event handlers: validate the contract (the typed envelope), call one use case.

No ``from __future__ import annotations`` here: FastStream reads these annotations at runtime.
"""

from typing import Annotated

from faststream import Context

from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import ProgramCreated, RelationshipEnded, RelationshipStarted

from .planning import Planning

Service = Annotated[Planning, Context("planning")]


async def on_program_created(event: CloudEvent[ProgramCreated], svc: Service) -> None:
    """Remember the program's district and model (group programs get group sessions)."""
    await svc.program_created(event.district, event.data)


async def on_relationship_started(event: CloudEvent[RelationshipStarted], svc: Service) -> None:
    """Plan the new relationship's meetings over the program's horizon."""
    await svc.relationship_started(event.district, event.data)


async def on_relationship_ended(event: CloudEvent[RelationshipEnded], svc: Service) -> None:
    """Cancel the ended relationship's meetings that were still to come."""
    await svc.relationship_ended(event.data)
