"""District webhooks: the JSON body of one delivery, its HMAC-SHA256 signature, and the HTTP POST.

The body names no one: ids, the notification kind and times only. Headers:

- ``X-Mentoring-Signature: sha256=<hex>``: HMAC-SHA256 of the raw body with the district's secret;
- ``X-Mentoring-Delivery: <delivery id>``: the same on every retry, so the receiver can drop a repeat;
- ``X-Mentoring-Kind: <kind>``.

Any answer other than 2xx, a timeout or a connection error counts as a failed attempt (retried with backoff).
Redirects are not followed: the configured URL is the only one ever called.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Final

import httpx

from shared.storage.mongo import Document

SIGNATURE_HEADER: Final = "X-Mentoring-Signature"
DELIVERY_HEADER: Final = "X-Mentoring-Delivery"
KIND_HEADER: Final = "X-Mentoring-Kind"


class WebhookError(RuntimeError):
    """The endpoint did not accept the delivery (non-2xx answer)."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (WebhookError, httpx.HTTPError, OSError, TimeoutError)


def payload(record: Document) -> bytes:
    """The body posted for a delivery record: deterministic, so every retry carries the same bytes and signature."""
    body: dict[str, Any] = {
        "delivery_id": record["_id"],
        "kind": record["kind"],
        "template": record["template"],
        "district": record["district"],
        "program_id": record["program_id"],
        "recipient_id": record["recipient_id"],
        "cause_event_id": record["cause_event_id"],
        "cause_event_type": record["cause_type"],
        "event_time": record["event_time"],
        "partner_ids": list(record.get("partner_ids", [])),
        "actor_id": record.get("actor_id"),
        "data": record.get("params", {}),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(body: bytes, secret: str) -> str:
    """``sha256=<hex HMAC-SHA256 of body>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(body: bytes, secret: str, delivery_id: str, kind: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(body, secret),
        DELIVERY_HEADER: delivery_id,
        KIND_HEADER: kind,
        "User-Agent": "mentoring-notification/1",
    }


class WebhookSender:
    """POSTs one body; raises one of ``TRANSIENT_ERRORS`` unless the endpoint answers 2xx within the timeout."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds

    async def post(self, url: str, body: bytes, request_headers: dict[str, str]) -> None:
        async with httpx.AsyncClient(timeout=self.timeout_seconds, follow_redirects=False) as client:
            response = await client.post(url, content=body, headers=request_headers)
        if not response.is_success:
            raise WebhookError(f"the webhook answered HTTP {response.status_code}")
