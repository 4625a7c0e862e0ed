"""Per-person preferences and per-district settings (time zone learned from events, webhook), PyMongo async.

A district's time zone is not configured here: scheduling's meeting events carry the district's IANA zone,
and the last one seen is kept for events that carry none (a relationship starting, a survey).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.storage.mongo import Document

from .preferences import Preferences


@dataclass(frozen=True)
class DistrictSettings:
    district: str
    time_zone: str = "UTC"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_updated_ms: int = 0

    @property
    def has_webhook(self) -> bool:
        return bool(self.webhook_url and self.webhook_secret)


class PeopleRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.preferences = db["preferences"]
        self.districts = db["districts"]

    async def preferences_of(self, ids: Iterable[str]) -> dict[str, Preferences]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        found = self.preferences.find({"_id": {"$in": wanted}})
        return {doc["_id"]: Preferences.model_validate(doc["preferences"]) async for doc in found}

    async def save_preferences(self, participant_id: str, district: str, prefs: Preferences, at: datetime) -> None:
        doc = {"district": district, "preferences": prefs.model_dump(mode="json"), "updated_ms": int(at.timestamp() * 1000)}
        await self.preferences.update_one({"_id": participant_id}, {"$set": doc}, upsert=True)

    async def district(self, district: str, seen_zone: str | None = None) -> DistrictSettings:
        """The district's settings; ``seen_zone`` (from the event being handled) is remembered when it is new."""
        doc = await self.districts.find_one({"_id": district}) or {}
        if seen_zone and doc.get("time_zone") != seen_zone:
            await self.districts.update_one({"_id": district}, {"$set": {"time_zone": seen_zone}}, upsert=True)
            doc["time_zone"] = seen_zone
        return _settings(district, doc)

    async def set_webhook(self, district: str, url: str, secret: str, at_ms: int, by: str) -> DistrictSettings:
        hook = {"url": url, "secret": secret, "updated_ms": at_ms, "updated_by": by}
        await self.districts.update_one({"_id": district}, {"$set": {"webhook": hook}}, upsert=True)
        return await self.district(district)


def _settings(district: str, doc: dict[str, Any]) -> DistrictSettings:
    hook = doc.get("webhook") or {}
    return DistrictSettings(
        district=district,
        time_zone=doc.get("time_zone") or "UTC",
        webhook_url=hook.get("url"),
        webhook_secret=hook.get("secret"),
        webhook_updated_ms=int(hook.get("updated_ms") or 0),
    )
