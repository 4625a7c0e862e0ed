"""Notification's HTTP API: the district's contact upload and each person's delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from shared.contracts.envelope import DistrictId
from shared.roster_upload import CSV_BODY, UPLOAD_ERRORS, ImportReport, import_report, read_roster

from .workflow import Notifications

router = APIRouter()


def get_notifications(request: Request) -> Notifications:
    return request.app.state.notifications  # type: ignore[no-any-return]


Service = Annotated[Notifications, Depends(get_notifications)]


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
    openapi_extra=CSV_BODY,
    responses=UPLOAD_ERRORS,
)
async def import_contacts(
    district: Annotated[DistrictId, Path(description="District id (letters, digits, _ and -)")],
    request: Request,
    notifications: Service,
) -> ImportReport:
    roster = await read_roster(request)
    return import_report(roster, await notifications.import_contacts(district, roster))


@router.get("/deliveries", tags=["deliveries"], summary="The delivery log of one person, oldest first")
async def deliveries(
    recipient_id: Annotated[str, Query(min_length=1, max_length=64, description="Opaque participant id")],
    notifications: Service,
) -> list[Delivery]:
    rows = await notifications.repo.deliveries_of(recipient_id)
    return [Delivery.model_validate({("id" if k == "_id" else k): v for k, v in row.items()}) for row in rows]
