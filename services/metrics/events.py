"""The generic envelope metrics reads from every stream, and the catalogue lookup that validates its data.

Metrics consumes every producer's stream with one handler, so the envelope's ``data`` arrives as a
plain dict and is validated here against the contract model its ``type`` names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.catalogue import EVENTS
from shared.contracts.envelope import DistrictId, EventData

EVENT_MODELS: Final[dict[str, type[EventData]]] = {model.kind.type: model for model in EVENTS}
UNKNOWN: Final = "unknown"  # the label of every type not in the catalogue (e.g. a newer version)


class Envelope(BaseModel):
    """A CloudEvents 1.0 envelope whose ``data`` is not yet validated."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"]
    id: str = Field(min_length=1, max_length=128)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: datetime
    subject: str = Field(min_length=1)
    datacontenttype: Literal["application/json"] = "application/json"
    district: DistrictId
    data: dict[str, Any]

    @property
    def type_label(self) -> str:
        """The bounded metric label for this envelope's type."""
        return self.type if self.type in EVENT_MODELS else UNKNOWN


def decode(envelope: Envelope) -> EventData | None:
    """The validated payload, or None for a type the catalogue does not know.

    Raises pydantic's ``ValidationError`` when a known type's payload breaks the contract.
    """
    model = EVENT_MODELS.get(envelope.type)
    return None if model is None else model.model_validate(envelope.data)
