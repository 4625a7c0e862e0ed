"""Whose delivery log a caller may read. Pure: no I/O.

- a mentor or mentee reads only their own log (naming anyone else is refused, 403);
- a district coordinator reads the logs of their own district's recipients only: the district is part
  of the store query, so a recipient of another district gives an empty list, exactly like a recipient
  who has no deliveries (nothing reveals whether that person exists);
- state admins read any log.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.auth.principal import Principal, Role, forbidden


@dataclass(frozen=True)
class DeliveryQuery:
    """The filters sent to the store; ``district`` None means every district (state admins only)."""

    recipient_id: str
    district: str | None


def scoped(caller: Principal, recipient_id: str) -> DeliveryQuery:
    """The caller's delivery-log query; raises 403 when a teacher names another recipient."""
    if caller.is_teacher:
        if recipient_id != caller.subject:
            raise forbidden("a mentor or mentee may only read their own delivery log")
        return DeliveryQuery(caller.subject, caller.district)
    if caller.role is Role.DISTRICT_COORDINATOR:
        return DeliveryQuery(recipient_id, caller.district)
    return DeliveryQuery(recipient_id, None)
