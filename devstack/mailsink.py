"""A real SMTP server (aiosmtpd) that saves every message as an .eml file a person can open."""

from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from devstack.servers import LOOPBACK, free_port


@dataclass
class _SaveHandler:
    folder: Path
    messages: list[EmailMessage] = field(default_factory=list)
    offset: int = 0  # files already in the folder from an earlier run
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
            index = self.offset + len(self.messages)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{index:05d}-{envelope.rcpt_tos[0]}.eml").write_bytes(envelope.content)
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, folder: Path, port: int = 0) -> None:
        self.port = port or free_port()
        self.folder = folder
        self.handler = _SaveHandler(folder)
        self.controller = Controller(self.handler, hostname=LOOPBACK, port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def start(self) -> MailSink:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.handler.offset = len(list(self.folder.glob("*.eml")))
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
