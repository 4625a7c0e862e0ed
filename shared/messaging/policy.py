"""How a consumer retries: bounded deliveries with growing delays."""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``max_deliver`` deliveries; delivery n that fails waits ``backoff[n-1]`` seconds."""

    max_deliver: int = 5
    backoff: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)
    ack_wait: float = 30.0

    def delay_after(self, delivered: int) -> float:
        """Seconds before the next delivery, after delivery number ``delivered`` failed."""
        if not self.backoff:
            return 0.0
        return self.backoff[min(max(delivered, 1), len(self.backoff)) - 1]

    def is_last(self, delivered: int) -> bool:
        return delivered >= self.max_deliver

    def consumer_config(self, durable: str) -> ConsumerConfig:
        """Explicit acks, bounded deliveries; ack_wait covers a consumer that died mid-message."""
        return ConsumerConfig(
            durable_name=durable,
            ack_policy=JsAckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=self.max_deliver,
            ack_wait=self.ack_wait,
        )
