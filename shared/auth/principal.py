"""Who is calling: a verified token's subject, role and district, and the district rules every service applies.

Status codes, the same everywhere:
- 401: no token, or a token that fails verification;
- 403: the caller's role may never do this, or the caller names another district (in the path,
  query or body), so refusing reveals nothing;
- 404: the record exists in another district, or the caller takes no part in it: indistinguishable
  from a record that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fastapi import HTTPException


class Role(StrEnum):
    STATE_ADMIN = "state_admin"
    DISTRICT_COORDINATOR = "district_coordinator"
    MENTOR = "mentor"
    MENTEE = "mentee"


TEACHERS = frozenset({Role.MENTOR, Role.MENTEE})


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    district: str | None  # None only for state admins

    @property
    def is_teacher(self) -> bool:
        return self.role in TEACHERS

    def reads_district(self, district: str) -> bool:
        """State admins read every district; a coordinator reads their own."""
        return self.role is Role.STATE_ADMIN or (self.role is Role.DISTRICT_COORDINATOR and self.district == district)

    def manages_district(self, district: str) -> bool:
        """Only a district's own coordinator changes its data."""
        return self.role is Role.DISTRICT_COORDINATOR and self.district == district


def forbidden(reason: str) -> HTTPException:
    return HTTPException(403, reason)


def not_found(what: str) -> HTTPException:
    return HTTPException(404, f"{what} does not exist")


def require_role(principal: Principal, *roles: Role) -> None:
    """403 unless the caller has one of ``roles``."""
    if principal.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise forbidden(f"role {principal.role.value} may not do this (allowed: {allowed})")


def require_manages(principal: Principal, district: str) -> None:
    """403 unless the caller is the coordinator of ``district`` it names itself."""
    require_role(principal, Role.DISTRICT_COORDINATOR)
    if principal.district != district:
        raise forbidden(f"a coordinator of {principal.district} may not act on district {district}")


def require_reads(principal: Principal, district: str) -> None:
    """403 unless the caller may read ``district`` it names itself."""
    require_role(principal, Role.STATE_ADMIN, Role.DISTRICT_COORDINATOR)
    if not principal.reads_district(district):
        raise forbidden(f"a coordinator of {principal.district} may not read district {district}")
