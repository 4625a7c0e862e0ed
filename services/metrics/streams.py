"""Stream depths for operators: messages per stream, what the metrics consumers still have to take, dead letters."""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker
from nats.js.errors import NotFoundError

from shared.contracts.subjects import DEADLETTER_STREAM, STREAMS, Domain
from shared.messaging.broker import durable_name

from .metrics import ReadModelMetrics

log = logging.getLogger(__name__)


async def read_stream_depths(broker: NatsBroker, metrics: ReadModelMetrics) -> None:
    """Set ``mentoring_stream_messages`` and ``mentoring_consumer_pending_messages`` from JetStream's stream and consumer info."""
    js = broker.connection.jetstream()
    for domain in Domain:
        stream = STREAMS[domain].name
        try:
            metrics.stream_messages.labels(stream=stream).set((await js.stream_info(stream)).state.messages)
            consumer = await js.consumer_info(stream, durable_name("metrics", f"all_{domain.value}"))
            metrics.pending.labels(stream=stream).set(consumer.num_pending or 0)
        except NotFoundError:
            continue  # not declared yet
    info = await js.stream_info(DEADLETTER_STREAM.name)
    metrics.stream_messages.labels(stream=DEADLETTER_STREAM.name).set(info.state.messages)
