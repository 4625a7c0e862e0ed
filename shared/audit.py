"""Append-only audit log per service: who did what, when, to which district's data.

The code only ever inserts into the collection; no route updates or deletes an entry. State admins
read it through ``GET /audit``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from shared.auth.http import Caller
from shared.auth.principal import Principal, Role, require_role
from shared.storage.mongo import Document, restore_datetimes


class AuditEntry(BaseModel):
    at: datetime
    service: str
    subject: str
    role: str
    actor_district: str | None
    district: str | None
    action: str
    target: str
    detail: dict[str, Any]


class AuditLog:
    def __init__(self, collection: AsyncCollection[Document], service: str) -> None:
        self.collection = collection
        self.service = service

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("district", ASCENDING), ("at", DESCENDING)])
        await self.collection.create_index([("action", ASCENDING)])

    async def record(
        self, principal: Principal, action: str, target: str, district: str | None, detail: dict[str, Any] | None = None
    ) -> None:
        """Append one entry; ``district`` is the district whose data was touched."""
        await self.collection.insert_one(
            {
                "at": datetime.now(UTC),
                "service": self.service,
                "subject": principal.subject,
                "role": principal.role.value,
                "actor_district": principal.district,
                "district": district,
                "action": action,
                "target": target,
                "detail": detail or {},
            }
        )

    async def query(self, district: str | None, action: str | None, limit: int) -> list[AuditEntry]:
        filters: dict[str, Any] = {}
        if district:
            filters["district"] = district
        if action:
            filters["action"] = action
        rows = await self.collection.find(filters, {"_id": 0}).sort("at", DESCENDING).to_list(limit)
        return [AuditEntry.model_validate(restore_datetimes(r, ("at",))) for r in rows]


def get_audit(request: Request) -> AuditLog:
    """The service's audit log (its runtime's), as a FastAPI dependency."""
    return request.app.state.runtime.audit  # type: ignore[no-any-return]


Audit = Annotated[AuditLog, Depends(get_audit)]


def audit_router(log: AuditLog) -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get(
        "/audit",
        summary="The service's audit log, newest first (state admins only)",
        responses={401: {"description": "Missing or invalid bearer token"}, 403: {"description": "Not a state admin"}},
    )
    async def audit(
        caller: Caller,
        district: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = None,
        action: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[AuditEntry]:
        require_role(caller, Role.STATE_ADMIN)
        return await log.query(district, action, limit)

    return router
