"""The one handler metrics registers on every producer's stream: a pull's batch of events at a time."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.nats.message import NatsBatchMessage
from pydantic import ValidationError

from shared.messaging.deadletter import DeadLetterer

from .events import Envelope, decode
from .projector import Consumed
from .workflow import Projection


async def on_events(
    bodies: list[bytes],
    message: Annotated[NatsBatchMessage, Context("message")],
    projection: Annotated[Projection, Context("projection")],
    deadletterer: Annotated[DeadLetterer, Context("deadletterer")],
) -> None:
    """Project any producer's events into the read model; a type not in the catalogue is counted and ignored.

    An invalid envelope or payload is dead-lettered alone. The others are stored together; if some fail, those that
    were stored are acknowledged and only the failing ones are redelivered (or dead-lettered on their last delivery).
    """
    consumed, raws = [], []
    for raw, body in zip(message.raw_message, bodies, strict=True):
        try:
            envelope = Envelope.model_validate_json(body)
            consumed.append(Consumed(envelope, decode(envelope)))
        except ValidationError as exc:
            await deadletterer.reject(raw, exc)
            continue
        raws.append(raw)
    errors = await projection.consume(consumed)
    failure = next((error for error in errors if error is not None), None)
    if failure is None:
        return  # every message is acknowledged together
    for raw, error in zip(raws, errors, strict=True):
        if error is None:
            await raw.ack()
    raise failure
