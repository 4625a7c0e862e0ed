"""Notification's HTTP API: the district's contact upload (roster CSV or OneRoster ZIP) and each person's delivery log.

Who may do what: a district's own coordinator uploads its contacts; the delivery log follows ``access``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from shared.audit import AuditLog
from shared.auth.http import Caller
from shared.auth.principal import Principal, require_manages
from shared.contracts.envelope import DistrictId
from shared.contracts.matching import Role as ProgramRole
from shared.roster import ParsedRoster
from shared.roster_upload import (
    CSV_BODY,
    ONEROSTER_BODY,
    ONEROSTER_ERRORS,
    UPLOAD_ERRORS,
    ImportReport,
    OneRosterReport,
    import_report,
    oneroster_report,
    read_oneroster,
    read_roster,
)

from . import access
from .workflow import Notifications

router = APIRouter()


def get_notifications(request: Request) -> Notifications:
    return request.app.state.notifications  # type: ignore[no-any-return]


def get_audit(request: Request) -> AuditLog:
    return request.app.state.runtime.audit  # type: ignore[no-any-return]


Service = Annotated[Notifications, Depends(get_notifications)]
Audit = Annotated[AuditLog, Depends(get_audit)]


class Problem(BaseModel):
    detail: str


class Delivery(BaseModel):
    id: str
    district: str
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


Responses = dict[int | str, dict[str, Any]]
UNAUTHENTICATED: Responses = {401: {"model": Problem, "description": "Missing or invalid bearer token"}}
NOT_THE_COORDINATOR: Responses = {
    403: {"model": Problem, "description": "Only the district's own coordinator uploads its contacts"}
}
District = Annotated[DistrictId, Path(description="District id (letters, digits, _ and -)")]


@router.post(
    "/districts/{district}/contacts",
    tags=["contacts"],
    summary="Upload the district's roster CSV (text/csv body); only name, e-mail and language are kept",
    openapi_extra=CSV_BODY,
    responses={**UPLOAD_ERRORS, **UNAUTHENTICATED, **NOT_THE_COORDINATOR},
)
async def import_contacts(
    district: District, request: Request, notifications: Service, caller: Caller, audit: Audit
) -> ImportReport:
    """Only the district's coordinator; the import is audited with its counts (never a name or address)."""
    require_manages(caller, district)  # before the body is read
    roster, new = await notifications.import_contacts(district, await read_roster(request))
    report = import_report(roster, new)
    await _audit(audit, caller, district, "contacts", roster, new)
    return report


@router.post(
    "/districts/{district}/oneroster",
    tags=["contacts"],
    summary="Upload the district's OneRoster 1.2 CSV export (application/zip body); teachers' name, e-mail, language",
    openapi_extra=ONEROSTER_BODY,
    responses={**ONEROSTER_ERRORS, **UNAUTHENTICATED, **NOT_THE_COORDINATOR},
)
async def import_oneroster_contacts(
    district: District,
    request: Request,
    notifications: Service,
    caller: Caller,
    audit: Audit,
    role: Annotated[
        ProgramRole | None, Query(description="Program role of teachers without a metadata.mentoring.role column value")
    ] = None,
) -> OneRosterReport:
    """Like the CSV upload; teachers without an e-mail address are reported as row errors on ``email``."""
    require_manages(caller, district)  # before the body is read
    roster, new = await notifications.import_contacts(district, await read_oneroster(request, role))
    report = oneroster_report(roster, new)
    await _audit(audit, caller, district, "oneroster", roster, new)
    return report


async def _audit(audit: AuditLog, caller: Principal, district: str, path: str, roster: ParsedRoster, new: int) -> None:
    """Record an import with its counts only."""
    counts = {"accepted": len(roster.rows), "new": new, "rejected": len(roster.errors)}
    if path == "oneroster":
        counts["skipped"] = roster.skipped
    await audit.record(caller, "contacts.imported", f"districts/{district}/{path}", district, counts)


@router.get(
    "/deliveries",
    tags=["deliveries"],
    summary="The delivery log of one person, oldest first",
    responses={**UNAUTHENTICATED, 403: {"model": Problem, "description": "A mentor or mentee named another recipient"}},
)
async def deliveries(
    recipient_id: Annotated[str, Query(min_length=1, max_length=64, description="Opaque participant id")],
    notifications: Service,
    caller: Caller,
) -> list[Delivery]:
    """A teacher reads their own log, a coordinator their district's recipients' (others: empty), a state admin any."""
    query = access.scoped(caller, recipient_id)
    rows = await notifications.repo.deliveries_of(query.recipient_id, query.district)
    return [Delivery.model_validate({("id" if k == "_id" else k): v for k, v in row.items()}) for row in rows]
