"""Notification's HTTP API: the district's contact upload (roster CSV or OneRoster ZIP) and each person's delivery log.

Who may do what: a district's own coordinator uploads its contacts; the delivery log follows ``access``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from shared.audit import Audit as Audit  # re-exported for the other route modules
from shared.audit import AuditLog
from shared.auth.http import Caller
from shared.auth.principal import Principal, Role, require_manages, require_role
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
from .views import UNAUTHENTICATED, Delivery, Problem, Responses, delivery
from .workflow import Notifications

router = APIRouter()


def get_notifications(request: Request) -> Notifications:
    return request.app.state.notifications  # type: ignore[no-any-return]


Service = Annotated[Notifications, Depends(get_notifications)]


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


Limit = Annotated[int, Query(ge=1, le=500, description="At most this many records")]
Offset = Annotated[int, Query(ge=0, le=100_000, description="Skip this many records first")]


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
    return [delivery(row) for row in await notifications.repo.deliveries_of(query.recipient_id, query.district)]


@router.get(
    "/people/{participant_id}/deliveries",
    tags=["deliveries"],
    summary="A person's delivery log, oldest first (their district's coordinator, or a state admin)",
    responses={**UNAUTHENTICATED, 403: {"model": Problem, "description": "Only coordinators and state admins read others' logs"}},
)
async def person_deliveries(
    participant_id: Annotated[str, Path(min_length=1, max_length=64, description="Opaque participant id")],
    notifications: Service,
    caller: Caller,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Delivery]:
    """A coordinator sees only their district's records: another district's person looks like one without any."""
    require_role(caller, Role.DISTRICT_COORDINATOR, Role.STATE_ADMIN)
    query = access.scoped(caller, participant_id)
    rows = await notifications.repo.deliveries_of(query.recipient_id, query.district, limit, offset)
    return [delivery(row) for row in rows]
