"""The delivery state machine's decisions and the webhook's signature (pure)."""

from __future__ import annotations

import hashlib
import hmac
import json

from services.notification import domain, webhook

RECORD = {
    "_id": "d1",
    "kind": "survey_issued",
    "template": "survey_issued",
    "district": "D1",
    "program_id": "p",
    "recipient_id": "r1",
    "cause_event_id": "e1",
    "cause_type": "org.mentoring.survey.issued.v1",
    "event_time": "2025-11-03T13:00:00+00:00",
    "partner_ids": [],
    "actor_id": None,
    "params": {"due_at": "2025-11-14T23:00:00+00:00", "survey": "match_quality_30d"},
}


def test_attempts_are_one_plus_the_backoff_steps() -> None:
    backoff = (1.0, 5.0, 30.0)
    assert [domain.retry_delay(n, backoff) for n in (1, 2, 3, 4)] == [1.0, 5.0, 30.0, None]
    assert domain.retry_delay(1, ()) is None


def test_reasons_fit_the_contract() -> None:
    assert domain.clip_reason("a\n  b") == "a b" and domain.clip_reason(None) == "unknown error"
    assert len(domain.clip_reason("x" * 900)) == domain.MAX_REASON_CHARS
    assert domain.failure_reason(OSError("down")) == "OSError: down"


def test_milliseconds_round_trip() -> None:
    moment = domain.from_ms(1_762_174_800_123)
    assert domain.to_ms(moment) == 1_762_174_800_123 and moment.tzinfo is not None


def test_the_webhook_body_is_stable_and_signed_with_hmac_sha256() -> None:
    body = webhook.payload(RECORD)
    assert body == webhook.payload(dict(reversed(list(RECORD.items()))))  # same bytes on every retry
    decoded = json.loads(body)
    assert decoded["delivery_id"] == "d1" and decoded["data"]["survey"] == "match_quality_30d"
    expected = hmac.new(b"secret-0123456789", body, hashlib.sha256).hexdigest()
    headers = webhook.headers(body, "secret-0123456789", "d1", "survey_issued")
    assert headers["X-Mentoring-Signature"] == f"sha256={expected}" and headers["X-Mentoring-Delivery"] == "d1"
    assert webhook.signature(body, "another-secret") != headers["X-Mentoring-Signature"]
