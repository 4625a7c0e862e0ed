"""Dead-lettering: invalid payloads go straight to the dead-letter stream, failing ones after the last delivery.

A batch subscriber (``Subscriptions.on_stream``) validates each body itself and hands an invalid one to
``DeadLetterer.reject``; when its handler raises, each message it did not settle is dead-lettered on its
last delivery and redelivered otherwise, one by one.

A consumer that dies on its last delivery never reaches this middleware again; for that case
``AdvisoryDeadLetterer`` listens to JetStream's max-deliveries advisory and copies the message.
Both paths use the same ``Nats-Msg-Id``, so a message is dead-lettered once.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from faststream import BaseMiddleware
from faststream.exceptions import NackMessage, RejectMessage
from nats.errors import NotJSMessageError
from pydantic import ValidationError

from shared.contracts.deadletter import DeadLetter, DeadLetterReason
from shared.contracts.subjects import DEADLETTER_STREAM, deadletter_subject
from shared.messaging.policy import RetryPolicy

if TYPE_CHECKING:
    from faststream import ContextRepo, StreamMessage
    from faststream.nats import NatsBroker
    from nats.aio.msg import Msg

log = logging.getLogger(__name__)


class DeadLetterer:
    """Publishes dead letters for one service; also the middleware factory given to the broker."""

    def __init__(self, service: str, policy: RetryPolicy) -> None:
        self.service = service
        self.policy = policy
        self.broker: NatsBroker | None = None

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> BaseMiddleware:
        return _DeadLetterMiddleware(msg, context=context, owner=self)

    async def send(self, letter: DeadLetter) -> None:
        assert self.broker is not None, "DeadLetterer used before the broker was bound"
        await self.broker.publish(
            letter.model_dump(mode="json"),
            subject=deadletter_subject(letter.service, letter.durable),
            stream=DEADLETTER_STREAM.name,
            headers={"Nats-Msg-Id": f"dl-{letter.stream}-{letter.stream_seq}-{letter.durable}"},
        )
        log.error("dead-lettered %s seq %s for %s: %s", letter.stream, letter.stream_seq, letter.durable, letter.detail)

    async def reject(self, raw: Msg, exc: ValidationError) -> None:
        """Dead-letter one message of a batch whose payload breaks the contract, and stop its redelivery."""
        await self.send(self.letter(raw, DeadLetterReason.INVALID_PAYLOAD, _errors(exc)))
        await raw.term()

    async def exhausted(self, raw: Msg, exc: Exception, delivered: int) -> None:
        """Dead-letter a message that failed on its last delivery."""
        detail = f"{type(exc).__name__}: {exc} (delivery {delivered} of {self.policy.max_deliver})"
        await self.send(self.letter(raw, DeadLetterReason.DELIVERIES_EXHAUSTED, detail))

    async def settle_failed(self, raws: list[Msg], exc: Exception) -> None:
        """After a batch handler raised: each message it did not settle is dead-lettered on its last delivery, and
        otherwise redelivered after the policy's delay."""
        for raw in raws:
            if raw._ackd:  # settled by the handler (nats-py's own flag, as FastStream reads it)
                continue
            delivered = raw.metadata.num_delivered
            if self.policy.is_last(delivered):
                await self.exhausted(raw, exc, delivered)
                await raw.term()
            else:
                await raw.nak(delay=self.policy.delay_after(delivered))

    def letter(self, raw: Msg, reason: DeadLetterReason, detail: str) -> DeadLetter:
        meta = raw.metadata
        return DeadLetter(
            service=self.service,
            durable=meta.consumer or "",
            stream=meta.stream,
            stream_seq=meta.sequence.stream,
            subject=raw.subject,
            deliveries=meta.num_delivered,
            reason=reason,
            detail=detail[:2000],
            failed_at=datetime.now(UTC),
            payload=raw.data.decode("utf-8", errors="replace"),
        )


class _DeadLetterMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: ContextRepo, owner: DeadLetterer) -> None:
        super().__init__(msg, context=context)
        self.owner = owner

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        if isinstance(msg.raw_message, list):
            return await self._batch(call_next, msg)
        raw: Msg = msg.raw_message
        try:
            delivered = raw.metadata.num_delivered
        except NotJSMessageError:  # a core NATS message: nothing to retry or dead-letter
            return await call_next(msg)
        try:
            return await call_next(msg)
        except ValidationError as exc:
            # A payload that fails the contract will fail on every delivery: give up now.
            await self.owner.send(self.owner.letter(raw, DeadLetterReason.INVALID_PAYLOAD, _errors(exc)))
            raise RejectMessage from exc
        except Exception as exc:
            if self.owner.policy.is_last(delivered):
                await self.owner.exhausted(raw, exc, delivered)
                raise RejectMessage from exc
            log.warning("delivery %s of %s failed, retrying: %r", delivered, raw.subject, exc)
            raise NackMessage(delay=self.owner.policy.delay_after(delivered)) from exc

    async def _batch(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        try:
            return await call_next(msg)
        except Exception as exc:
            log.warning("a batch of %s messages failed: %r", len(msg.raw_message), exc)
            await self.owner.settle_failed(msg.raw_message, exc)
            raise NackMessage from exc  # (every message is settled already; nothing left for FastStream to do)


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())


ADVISORY_SUBJECT = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{durable}"


class AdvisoryDeadLetterer:
    """Backstop: copies a message that exhausted its deliveries without reaching the middleware."""

    def __init__(self, owner: DeadLetterer, durables: dict[str, str]) -> None:
        self.owner = owner
        self.durables = durables  # durable name -> stream name
        self._subs: list[Any] = []

    async def start(self, broker: NatsBroker) -> None:
        nc = broker.connection
        for durable, stream in self.durables.items():
            self._subs.append(await nc.subscribe(ADVISORY_SUBJECT.format(stream=stream, durable=durable), cb=self._on_advisory))

    async def stop(self) -> None:
        for sub in self._subs:
            await sub.unsubscribe()
        self._subs.clear()

    async def _on_advisory(self, advisory: Msg) -> None:
        try:
            body = json.loads(advisory.data)
            assert self.owner.broker is not None
            stored = await self.owner.broker.connection.jetstream().get_msg(body["stream"], body["stream_seq"])
            await self.owner.send(
                DeadLetter(
                    service=self.owner.service,
                    durable=body["consumer"],
                    stream=body["stream"],
                    stream_seq=body["stream_seq"],
                    subject=stored.subject or "",
                    deliveries=body["deliveries"],
                    reason=DeadLetterReason.DELIVERIES_EXHAUSTED,
                    detail="no acknowledgement within ack_wait on the last delivery",
                    failed_at=datetime.now(UTC),
                    payload=(stored.data or b"").decode("utf-8", errors="replace"),
                )
            )
        except Exception:  # an advisory must never crash the connection's callback loop
            log.exception("could not dead-letter from advisory %s", advisory.data[:200])
