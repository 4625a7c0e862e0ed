"""CloudEvents 1.0 envelope (structured JSON mode) around every event on the bus."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.contracts.subjects import EventKind

# District ids become one NATS subject token, so they are restricted to token-safe characters.
DistrictId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
OpaqueId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

# Namespace for ids derived from other ids (uuid5), so a retried step produces the same id.
ID_NAMESPACE = uuid.UUID("6f1c0a52-93a4-4d8e-9a57-2f64c1d0b7e3")


def derived_id(*parts: str) -> str:
    """A stable opaque id for the thing identified by ``parts`` (same parts, same id)."""
    return str(uuid.uuid5(ID_NAMESPACE, "|".join(parts)))


class EventData(BaseModel):
    """Base of every event payload: immutable, closed, and tied to one event kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: ClassVar[EventKind]


DataT = TypeVar("DataT", bound=EventData)


class CloudEvent(BaseModel, Generic[DataT]):
    """A CloudEvents 1.0 envelope; ``district`` is a CloudEvents extension attribute."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=128)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: datetime
    subject: str = Field(min_length=1, description="The id of the aggregate the event is about.")
    datacontenttype: Literal["application/json"] = "application/json"
    district: DistrictId
    data: DataT

    @property
    def nats_subject(self) -> str:
        """The NATS subject this envelope is published on."""
        return type(self.data).kind.subject(self.district)


def make_event(
    data: DataT,
    district: str,
    subject: str,
    event_id: str | None = None,
    *,
    time: datetime | None = None,
) -> CloudEvent[DataT]:
    """Wrap ``data`` in an envelope; the source is the service that owns the event kind.

    Pass ``event_id`` derived from the cause, so a retried step produces the same event.
    """
    return CloudEvent[type(data)](  # type: ignore[misc,operator]
        id=event_id or str(uuid.uuid4()),
        source=f"/mentoring/{type(data).kind.domain.value}",
        type=type(data).kind.type,
        time=time or datetime.now(UTC),
        subject=subject,
        district=district,
        data=data,
    )
