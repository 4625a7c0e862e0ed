"""Report links: a coordinator opens (or forwards) a report page in a plain browser, where no bearer token is sent.

``POST /programs/{id}/report-link`` (or ``/districts/{d}/report-link``), called with the caller's token and
allowed to whoever may read that report, makes a link ``/reports/<secret>`` that shows the same page
without a token until it expires (``METRICS_REPORT_LINK_HOURS``). The secret has 256 random bits; only
its SHA-256 is stored (with the scope and expiry, and the expiry as epoch seconds, compared here), so the
database cannot hand out working links. A link shows one program or one district, never anything else.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Final, Literal

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document

Scope = Literal["program", "district"]
SECRET_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Opened:
    scope: Scope
    id: str  # the program id, or the district
    district: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ReportLinks:
    def __init__(self, db: AsyncDatabase[Document], hours: float) -> None:
        self.links = db["report_links"]
        self.seconds = hours * 3600

    async def ensure_indexes(self) -> None:
        await self.links.create_index([("expires", ASCENDING)])

    async def create(self, scope: Scope, ident: str, district: str, created_by: str) -> tuple[str, float]:
        """A new secret for one report; returns it and its expiry (epoch seconds)."""
        secret = secrets.token_urlsafe(32)
        expires = time.time() + self.seconds
        doc = {"_id": digest(secret), "scope": scope, "id": ident, "district": district, "by": created_by, "expires": expires}
        await self.links.insert_one(doc)
        await self.links.delete_many({"expires": {"$lt": time.time()}})  # expired links are of no use to anybody
        return secret, expires

    async def open(self, secret: str) -> Opened | None:
        """The report the secret opens, or None (unknown, malformed or expired)."""
        if not 20 <= len(secret) <= 128 or not set(secret) <= SECRET_CHARS:
            return None
        link = await self.links.find_one({"_id": digest(secret)})
        if link is None or float(link["expires"]) <= time.time():
            return None
        return Opened(link["scope"], str(link["id"]), str(link["district"]))
