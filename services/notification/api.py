"""Notification's HTTP API: the district's contact upload and each person's delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel

from shared.contracts.envelope import DistrictId
from shared.roster import RosterFormatError, parse_roster

from .workflow import Notifications

router = APIRouter()
MAX_CONTACTS_BYTES = 5 * 1024 * 1024


def get_notifications(request: Request) -> Notifications:
    return request.app.state.notifications  # type: ignore[no-any-return]


Service = Annotated[Notifications, Depends(get_notifications)]


class RowProblem(BaseModel):
    row: int
    field: str
    reason: str


class ImportReport(BaseModel):
    accepted: int
    new: int
    errors: list[RowProblem]


class Delivery(BaseModel):
    id: str
    recipient_id: str
    template: str
    channel: str
    status: str
    cause_event_id: str
    attempts: int
    seen: int
    sent_at: datetime | None
    error: str | None
    created_at: datetime


@router.post(
    "/districts/{district}/contacts",
    tags=["contacts"],
    summary="Upload the district's roster CSV (text/csv body); only name, e-mail and language are kept",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}},
    responses={413: {"description": "File too large"}, 422: {"description": "Unreadable file or invalid district"}},
)
async def import_contacts(
    district: Annotated[DistrictId, Path(description="District id (letters, digits, _ and -)")],
    request: Request,
    notifications: Service,
) -> ImportReport:
    raw = await request.body()
    if len(raw) > MAX_CONTACTS_BYTES:
        raise HTTPException(413, f"roster is larger than {MAX_CONTACTS_BYTES} bytes")
    try:
        roster = parse_roster(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise HTTPException(422, f"roster must be UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    except RosterFormatError as exc:
        raise HTTPException(422, f"roster: {exc}") from exc
    new = await notifications.import_contacts(district, roster)
    return ImportReport(
        accepted=len(roster.rows),
        new=new,
        errors=[RowProblem(row=e.row, field=e.field, reason=e.reason) for e in roster.errors],
    )


@router.get("/deliveries", tags=["deliveries"], summary="The delivery log of one person, oldest first")
async def deliveries(
    recipient_id: Annotated[str, Query(min_length=1, max_length=64, description="Opaque participant id")],
    notifications: Service,
) -> list[Delivery]:
    rows = await notifications.repo.deliveries_of(recipient_id)
    return [Delivery.model_validate({("id" if k == "_id" else k): v for k, v in row.items()}) for row in rows]
