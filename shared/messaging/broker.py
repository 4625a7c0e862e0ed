"""The one broker factory every service uses, and the subscription helper that fixes the ack policy."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsRouter, PullSub
from faststream.nats.message import NatsBatchMessage
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.js.errors import BadRequestError
from prometheus_client import CollectorRegistry

from shared.contracts.envelope import EventData
from shared.contracts.subjects import DEADLETTER_STREAM, QUEUES, STREAMS, Domain, EventKind, stream_of
from shared.messaging import fetch_timeout
from shared.messaging.deadletter import DeadLetterer
from shared.messaging.policy import RetryPolicy

fetch_timeout.install()  # before any batch subscriber pulls (see the module)
PULL_BATCH_SIZE = 16  # messages fetched per pull; also the most a consumer has in flight at once
PULL_TIMEOUT = 2.0  # seconds a pull waits to fill its batch
ALL_STREAMS: tuple[JStream, ...] = (*STREAMS.values(), *QUEUES.values(), DEADLETTER_STREAM)
for _stream in ALL_STREAMS:
    # Streams are declared by ``declare_streams`` on every start; FastStream's own declaration
    # flips a flag on these shared constants after the first broker in a process, so it is off.
    _stream.declare = False


def inbox_prefix(service: str) -> str:
    """Replies and pull deliveries of ``service`` arrive under ``_INBOX.<service>.``: no other user can read them."""
    return f"_INBOX.{service}"


def make_broker(service: str, nats_url: str, registry: CollectorRegistry, deadletterer: DeadLetterer) -> NatsBroker:
    """A broker whose subscribers redeliver on error (NACK), dead-letter bad input and export metrics."""
    broker = NatsBroker(
        nats_url,
        name=f"mentoring-{service}",
        inbox_prefix=inbox_prefix(service),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        middlewares=[NatsPrometheusMiddleware(registry=registry, app_name=service), deadletterer],
        graceful_timeout=10.0,
    )
    deadletterer.broker = broker
    return broker


async def declare_streams(broker: NatsBroker, streams: Iterable[JStream] = ALL_STREAMS) -> None:
    """Create or update each stream; safe to run on every start of every replica."""
    js = broker.connection.jetstream()
    for stream in streams:
        config = stream.config
        config.subjects = list(stream.subjects)
        try:
            await js.add_stream(config=config)
        except BadRequestError as exc:
            if "already in use" not in (exc.description or ""):
                raise
            await js.update_stream(config=config)


def durable_name(service: str, name: str) -> str:
    """One durable per service and subscription: replicas with the same name share the work."""
    return f"{service}__{name}".replace(".", "_")


class Subscriptions:
    """Declares a service's JetStream pull subscriptions with the shared policy."""

    def __init__(self, service: str, policy: RetryPolicy) -> None:
        self.service = service
        self.policy = policy
        self.router = NatsRouter()
        self.durables: dict[str, str] = {}  # durable -> stream, for the dead-letter backstop

    def on(
        self,
        kind: EventKind,
        handler: Callable[..., Any],
        *,
        description: str = "",
        batch_size: int = PULL_BATCH_SIZE,
        ack_wait: float | None = None,
    ) -> None:
        """Consume one event kind from every district.

        A job queue's consumer takes ``batch_size=1``, so a replica holds one job at a time and idle replicas get
        the rest, and may set its own ``ack_wait`` (how long a silent replica keeps a job before it is redelivered).
        """
        name = f"{kind.entity}_{kind.action}_v{kind.version}"
        pull = PullSub(batch_size=batch_size, timeout=PULL_TIMEOUT)
        self._subscribe(kind.any_district, stream_of(kind), name, handler, description, pull, ack_wait=ack_wait)

    def on_stream(
        self,
        domain: Domain,
        handler: Callable[..., Any],
        *,
        description: str = "",
        batch_size: int = PULL_BATCH_SIZE,
        fetch_timeout: float = PULL_TIMEOUT,
    ) -> None:
        """Consume every event a producing service publishes, in batches.

        ``handler`` is called once per pull with the raw bodies (``list[bytes]``: it validates each itself) and
        ``Context("message")`` a ``NatsBatchMessage``. A pull takes up to ``batch_size`` messages, waiting at most
        ``fetch_timeout`` for them. The handler acknowledges or rejects messages one by one where it knows better than
        the batch (see ``deadletter``); whatever it leaves is acknowledged together, or redelivered if it raises.
        """
        stream = STREAMS[domain]
        name = f"all_{domain.value}"
        self._subscribe(
            stream.subjects[0],
            stream,
            name,
            handler,
            description,
            PullSub(batch_size=batch_size, timeout=fetch_timeout, batch=True),
            decoder=raw_bodies,
        )

    def _subscribe(
        self,
        subject: str,
        stream: JStream,
        name: str,
        handler: Callable[..., Any],
        description: str,
        pull: PullSub[Any],
        *,
        ack_wait: float | None = None,
        decoder: Callable[[Any], Any] | None = None,
    ) -> None:
        durable = durable_name(self.service, name)
        config = self.policy.consumer_config(durable)
        if ack_wait is not None:
            config.ack_wait = ack_wait
        self.durables[durable] = stream.name
        self.router.subscriber(
            subject,
            stream=stream,
            durable=durable,
            inbox_prefix=f"{inbox_prefix(self.service)}.".encode(),
            config=config,
            pull_sub=pull,
            decoder=decoder,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            title=f"{self.service}:{name}",
            description=description or (handler.__doc__ or "").strip(),
        )(handler)


def raw_bodies(message: NatsBatchMessage) -> list[bytes]:
    """A batch's bodies as they arrived (the handler validates each, so one bad body does not fail the others)."""
    return [m.data for m in message.raw_message]


def declare_publishers(router: NatsRouter, events: Iterable[type[EventData]]) -> dict[str, Any]:
    """One declared publisher per event kind (AsyncAPI documents it); keyed by CloudEvents type."""
    from shared.contracts.envelope import CloudEvent

    publishers: dict[str, Any] = {}
    for model in events:
        publishers[model.kind.type] = router.publisher(
            model.kind.documented_subject,
            stream=stream_of(model.kind),
            schema=CloudEvent[model],  # type: ignore[valid-type]
            title=model.kind.type,
            description=(model.__doc__ or "").strip(),
        )
    return publishers
