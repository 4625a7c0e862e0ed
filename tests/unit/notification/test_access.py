"""Whose delivery log a caller reads (services/notification/access.py)."""

from __future__ import annotations

import pytest
from fastapi import HTTPException

from services.notification import access
from shared.auth.principal import Principal, Role


def test_a_teacher_reads_their_own_log_only() -> None:
    mentee = Principal("mentee-1", Role.MENTEE, "D1")
    assert access.scoped(mentee, "mentee-1") == access.DeliveryQuery("mentee-1", "D1")
    with pytest.raises(HTTPException) as refused:
        access.scoped(mentee, "mentor-1")
    assert refused.value.status_code == 403


def test_a_coordinator_reads_their_districts_recipients_and_an_admin_anyone() -> None:
    assert access.scoped(Principal("c", Role.DISTRICT_COORDINATOR, "D2"), "mentor-1") == access.DeliveryQuery("mentor-1", "D2")
    assert access.scoped(Principal("a", Role.STATE_ADMIN, None), "mentor-1") == access.DeliveryQuery("mentor-1", None)
