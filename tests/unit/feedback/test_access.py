"""Who may see and answer a survey, and what a survey list is narrowed to (services/feedback/access.py)."""

from __future__ import annotations

import pytest
from fastapi import HTTPException

from services.feedback import access
from shared.auth.principal import Principal, Role

SURVEY = {"_id": "s1", "district": "D1", "respondent_id": "mentor-1", "relationship_id": "r1"}
ADMIN = Principal("admin", Role.STATE_ADMIN, None)
COORDINATOR_D1 = Principal("c1", Role.DISTRICT_COORDINATOR, "D1")
COORDINATOR_D2 = Principal("c2", Role.DISTRICT_COORDINATOR, "D2")
RESPONDENT = Principal("mentor-1", Role.MENTOR, "D1")
PARTNER = Principal("mentee-1", Role.MENTEE, "D1")
SAME_ID_OTHER_DISTRICT = Principal("mentor-1", Role.MENTOR, "D2")


@pytest.mark.parametrize(
    ("caller", "reads", "answers"),
    [
        (ADMIN, True, False),
        (COORDINATOR_D1, True, False),
        (COORDINATOR_D2, False, False),
        (RESPONDENT, True, True),
        (PARTNER, False, False),
        (SAME_ID_OTHER_DISTRICT, False, False),
    ],
)
def test_who_reads_and_who_answers_a_survey(caller: Principal, reads: bool, answers: bool) -> None:
    assert access.may_read(caller, SURVEY) is reads
    assert access.is_respondent(caller, SURVEY) is answers


def test_a_teachers_list_is_forced_to_their_own_surveys() -> None:
    assert access.scoped(PARTNER, None, "r1") == access.SurveyQuery("mentee-1", "r1", "D1")
    assert access.scoped(PARTNER, "mentee-1", None).narrowed
    with pytest.raises(HTTPException) as refused:
        access.scoped(PARTNER, "mentor-1", "r1")
    assert refused.value.status_code == 403


def test_a_coordinators_list_is_their_district_and_an_admins_every_district() -> None:
    assert access.scoped(COORDINATOR_D2, "mentor-1", None) == access.SurveyQuery("mentor-1", None, "D2")
    assert access.scoped(ADMIN, None, "r1") == access.SurveyQuery(None, "r1", None)
    assert not access.scoped(ADMIN, None, None).narrowed


RELATIONSHIP = {"_id": "r1", "district": "D1", "mentor_id": "mentor-1", "mentee_id": "mentee-1"}
OUTSIDER = Principal("mentor-2", Role.MENTOR, "D1")


@pytest.mark.parametrize(
    ("caller", "in_it", "reads_goals", "closes"),
    [
        (ADMIN, False, False, False),
        (COORDINATOR_D1, False, True, True),
        (COORDINATOR_D2, False, False, False),
        (RESPONDENT, True, True, True),
        (PARTNER, True, True, True),
        (OUTSIDER, False, False, False),
        (SAME_ID_OTHER_DISTRICT, False, False, False),
    ],
)
def test_who_reaches_a_relationships_goals_and_closure(caller: Principal, in_it: bool, reads_goals: bool, closes: bool) -> None:
    assert access.in_relationship(caller, RELATIONSHIP) is in_it
    assert access.reads_goals(caller, RELATIONSHIP) is reads_goals
    assert access.closes(caller, RELATIONSHIP) is closes
