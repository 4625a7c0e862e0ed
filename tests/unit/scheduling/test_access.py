"""Who may see a meeting, record its outcome, and what a meeting list is narrowed to (services/scheduling/access.py)."""

from __future__ import annotations

import pytest
from fastapi import HTTPException

from services.scheduling import access
from shared.auth.principal import Principal, Role

MEETING = {"_id": "m1", "district": "D1", "participant_ids": ["mentor-1", "mentee-1"]}
ADMIN = Principal("admin", Role.STATE_ADMIN, None)
COORDINATOR_D1 = Principal("c1", Role.DISTRICT_COORDINATOR, "D1")
COORDINATOR_D2 = Principal("c2", Role.DISTRICT_COORDINATOR, "D2")
MENTOR = Principal("mentor-1", Role.MENTOR, "D1")
MENTEE = Principal("mentee-1", Role.MENTEE, "D1")
STRANGER = Principal("mentor-9", Role.MENTOR, "D1")
SAME_ID_OTHER_DISTRICT = Principal("mentor-1", Role.MENTOR, "D2")


@pytest.mark.parametrize(
    ("caller", "reads", "records"),
    [
        (ADMIN, True, False),
        (COORDINATOR_D1, True, True),
        (COORDINATOR_D2, False, False),
        (MENTOR, True, True),
        (MENTEE, True, True),
        (STRANGER, False, False),
        (SAME_ID_OTHER_DISTRICT, False, False),
    ],
)
def test_who_reads_and_who_records_a_meeting(caller: Principal, reads: bool, records: bool) -> None:
    assert access.may_read(caller, MEETING) is reads
    assert access.may_record(caller, MEETING) is records


def test_a_teachers_list_is_forced_to_themselves_in_their_district() -> None:
    assert access.scoped(MENTOR, "r1", None) == access.MeetingQuery("r1", "mentor-1", "D1")
    assert access.scoped(MENTOR, None, "mentor-1") == access.MeetingQuery(None, "mentor-1", "D1")
    assert access.scoped(MENTOR, None, None).narrowed
    with pytest.raises(HTTPException) as refused:
        access.scoped(MENTOR, "r1", "mentee-1")
    assert refused.value.status_code == 403


def test_a_coordinators_list_is_their_district_and_an_admins_every_district() -> None:
    assert access.scoped(COORDINATOR_D2, "r1", "mentor-1") == access.MeetingQuery("r1", "mentor-1", "D2")
    assert access.scoped(ADMIN, "r1", None) == access.MeetingQuery("r1", None, None)
    assert not access.scoped(COORDINATOR_D1, None, None).narrowed


@pytest.mark.parametrize(
    ("caller", "known_in", "write", "expected"),
    [
        (MENTEE, None, True, "D1"),  # the teacher themself, nothing on file yet
        (MENTEE, "D1", False, "D1"),
        (STRANGER, "D1", False, 403),  # another teacher: refused without a lookup
        (COORDINATOR_D1, None, True, "D1"),  # a teacher of their district not known yet
        (COORDINATOR_D1, "D1", False, "D1"),
        (COORDINATOR_D2, "D1", True, 404),  # known elsewhere: answered like an unknown teacher
        (ADMIN, "D1", False, "D1"),
        (ADMIN, None, False, 404),
        (ADMIN, "D1", True, 403),
    ],
)
def test_availability_is_reached_by_the_teacher_their_coordinator_and_readers(caller, known_in, write, expected):
    if isinstance(expected, int):
        with pytest.raises(HTTPException) as refused:
            access.availability_district(caller, "mentee-1", known_in, write=write)
        assert refused.value.status_code == expected
    else:
        assert access.availability_district(caller, "mentee-1", known_in, write=write) == expected


def test_actor_ids_are_opaque_ids_fit_for_events():
    assert access.actor_id(MENTEE) == "mentee-1"
    foreign = access.actor_id(Principal("auth0|12345", Role.DISTRICT_COORDINATOR, "D1"))
    assert foreign == access.actor_id(Principal("auth0|12345", Role.DISTRICT_COORDINATOR, "D1"))
    assert access.OPAQUE.match(foreign) and "auth0" not in foreign
