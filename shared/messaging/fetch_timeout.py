"""A pull that times out raises ``nats.errors.TimeoutError``, whichever path inside nats-py timed out.

nats-py 2.16 raises the builtin ``TimeoutError`` from the second request of a multi-message ``fetch`` and
its own subclass elsewhere. FastStream 0.7.8's batch pull (``PullSub(batch=True)``) keeps fetching until
its batch is full or its timeout passes, and catches only nats-py's subclass: the builtin one escapes,
the messages gathered so far are dropped unacknowledged (redelivered only after ``ack_wait``) and the
loop restarts. Turning the builtin error into the subclass keeps every caller's ``except TimeoutError``
working (the subclass is one) and lets the batch loop hand over what it gathered.
"""

from __future__ import annotations

import functools
from typing import Any

from nats import errors
from nats.js.client import JetStreamContext

_PullSubscription = JetStreamContext.PullSubscription


def install() -> None:
    """Wrap ``PullSubscription.fetch`` once per process."""
    fetch = _PullSubscription.fetch
    if getattr(fetch, "raises_nats_timeout", False):
        return

    @functools.wraps(fetch)
    async def fetch_raising_nats_timeout(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await fetch(self, *args, **kwargs)
        except errors.TimeoutError:
            raise
        except TimeoutError as exc:
            raise errors.TimeoutError from exc

    fetch_raising_nats_timeout.raises_nats_timeout = True  # type: ignore[attr-defined]
    _PullSubscription.fetch = fetch_raising_nats_timeout  # type: ignore[method-assign]
