"""Subject scheme and streams.

Subjects read ``mentoring.<domain>.<district>.<entity>.<action>.v<version>`` so that
``mentoring.matching.D1.relationship.>`` is every relationship event of district D1, and
``mentoring.*.*.meeting.scheduled.v1`` is one event kind everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from faststream.nats import JStream
from nats.js.api import RetentionPolicy

PREFIX: Final = "mentoring"
DUPLICATE_WINDOW_SECONDS: Final = 120.0


class Domain(StrEnum):
    """A producing service; each owns exactly one stream."""

    MATCHING = "matching"
    SCHEDULING = "scheduling"
    NOTIFICATION = "notification"
    FEEDBACK = "feedback"


class Queue(StrEnum):
    """An internal work queue: each message is taken by exactly one replica of its consumer, then removed.

    Not a public contract and not a producing service's event log, so not in ``Domain``: nothing consumes
    "every domain" from it.
    """

    JOBS = "jobs"


@dataclass(frozen=True)
class EventKind:
    """Names one versioned event: its CloudEvents type and its NATS subjects."""

    domain: Domain | Queue
    entity: str
    action: str
    version: int

    @property
    def type(self) -> str:
        return f"org.mentoring.{self.entity}.{self.action}.v{self.version}"

    def subject(self, district: str) -> str:
        return f"{PREFIX}.{self.domain.value}.{district}.{self.entity}.{self.action}.v{self.version}"

    @property
    def any_district(self) -> str:
        """Filter subject matching this kind in every district."""
        return self.subject("*")

    @property
    def documented_subject(self) -> str:
        return self.subject("{district}")


def _stream(domain: Domain) -> JStream:
    return JStream(
        domain.value.upper(),
        subjects=[f"{PREFIX}.{domain.value}.>"],
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        description=f"Events produced by the {domain.value} service",
    )


STREAMS: Final[dict[Domain, JStream]] = {domain: _stream(domain) for domain in Domain}
MATCHING_STREAM: Final = STREAMS[Domain.MATCHING]
SCHEDULING_STREAM: Final = STREAMS[Domain.SCHEDULING]
NOTIFICATION_STREAM: Final = STREAMS[Domain.NOTIFICATION]
FEEDBACK_STREAM: Final = STREAMS[Domain.FEEDBACK]

QUEUES: Final[dict[Queue, JStream]] = {
    Queue.JOBS: JStream(
        "JOBS",
        subjects=[f"{PREFIX}.{Queue.JOBS.value}.>"],
        retention=RetentionPolicy.WORK_QUEUE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        description="Work queue: jobs such as match runs, each consumed once by one replica of its service",
    )
}


def stream_of(kind: EventKind) -> JStream:
    """The stream that stores ``kind``'s messages."""
    return QUEUES[kind.domain] if isinstance(kind.domain, Queue) else STREAMS[kind.domain]


DEADLETTER_STREAM: Final = JStream(
    "DEADLETTER",
    subjects=[f"{PREFIX}.deadletter.>"],
    duplicate_window=DUPLICATE_WINDOW_SECONDS,
    description="Messages a consumer could not process: invalid payloads and exhausted deliveries",
)


def deadletter_subject(service: str, durable: str) -> str:
    return f"{PREFIX}.deadletter.{service}.{durable}"
