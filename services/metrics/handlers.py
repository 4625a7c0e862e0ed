"""The one handler metrics registers on every producer's stream."""

from __future__ import annotations

from typing import Annotated

from faststream import Context

from .events import Envelope, decode
from .workflow import Projection


async def on_event(event: Envelope, projection: Annotated[Projection, Context("projection")]) -> None:
    """Project any producer's event into the read model; a type not in the catalogue is counted and ignored."""
    await projection.consume(event, decode(event))  # an invalid payload raises: the middleware dead-letters it
