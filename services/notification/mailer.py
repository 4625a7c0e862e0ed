"""Hands a message to the SMTP server (aiosmtplib). The only place that talks SMTP."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

# Errors worth another delivery: the server refused, timed out or could not be reached.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (aiosmtplib.SMTPException, OSError, TimeoutError)


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    """Sends through one SMTP server; raises one of ``TRANSIENT_ERRORS`` when it does not accept the message.

    aiosmtplib's timeout bounds each SMTP step; the whole conversation is bounded by the same figure too,
    so a send never outlives the delivery lease taken for it (see ``workflow``).
    """

    def __init__(self, host: str, port: int, timeout_seconds: float) -> None:
        self.host = host
        self.port = port
        self.timeout_seconds = timeout_seconds

    async def send(self, message: EmailMessage) -> None:
        async with asyncio.timeout(self.timeout_seconds):
            await aiosmtplib.send(message, hostname=self.host, port=self.port, timeout=self.timeout_seconds)
