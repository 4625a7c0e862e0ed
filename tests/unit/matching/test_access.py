"""The access rules of matching's record dependencies, on an in-memory repository."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import HTTPException

from services.matching.access import program_to_read, program_to_write, relationship_to_read
from services.matching.export import participants_csv
from shared.auth.principal import Principal, Role

PROGRAM = {"_id": "p1", "district": "D1"}
RELATIONSHIP = {"_id": "r1", "district": "D1", "mentor_id": "m1", "mentee_id": "e1"}


class Repo:
    async def program(self, program_id: str) -> dict[str, Any] | None:
        return PROGRAM if program_id == "p1" else None

    async def relationship(self, relationship_id: str) -> dict[str, Any] | None:
        return RELATIONSHIP if relationship_id == "r1" else None


MATCHING: Any = SimpleNamespace(repo=Repo())


def who(role: Role, district: str | None = "D1", subject: str = "x") -> Principal:
    return Principal(subject=subject, role=role, district=None if role is Role.STATE_ADMIN else district)


async def status(check: Any, record_id: str, caller: Principal) -> int:
    try:
        await check(record_id, caller, MATCHING)
    except HTTPException as exc:
        return exc.status_code
    return 200


@pytest.mark.parametrize(
    ("caller", "read", "write"),
    [
        (who(Role.STATE_ADMIN), 200, 403),
        (who(Role.DISTRICT_COORDINATOR), 200, 200),
        (who(Role.DISTRICT_COORDINATOR, "D2"), 404, 404),
        (who(Role.MENTOR, subject="m1"), 403, 403),
        (who(Role.MENTEE, subject="e1"), 403, 403),
    ],
)
async def test_programs_are_read_by_oversight_and_changed_by_their_coordinator(caller, read, write):
    assert await status(program_to_read, "p1", caller) == read
    assert await status(program_to_write, "p1", caller) == write


async def test_an_unknown_program_is_404_for_who_may_ask_and_403_for_who_may_not():
    assert await status(program_to_read, "nope", who(Role.DISTRICT_COORDINATOR)) == 404
    assert await status(program_to_read, "nope", who(Role.MENTOR)) == 403


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        (who(Role.MENTOR, subject="m1"), 200),
        (who(Role.MENTEE, subject="e1"), 200),
        (who(Role.MENTOR, subject="other"), 404),
        (who(Role.MENTEE, "D2", subject="e1"), 404),  # same subject, another district's token
        (who(Role.DISTRICT_COORDINATOR), 200),
        (who(Role.DISTRICT_COORDINATOR, "D2"), 404),
        (who(Role.STATE_ADMIN), 200),
    ],
)
async def test_a_relationship_is_read_by_its_two_teachers_and_oversight_only(caller, expected):
    assert await status(relationship_to_read, "r1", caller) == expected
    assert await status(relationship_to_read, "unknown", caller) == 404


def test_participants_csv_joins_lists_and_neutralises_formulas():
    text = participants_csv(
        [
            {
                "external_id": "T1",
                "name": '=HYPERLINK("http://x")',
                "role": "mentor",
                "school": "@x",
                "subjects": ["math", "art"],
            },
            {"external_id": "T2", "name": "Ana", "role": "mentee", "grade_bands": ["6-8"], "years_experience": 0},
        ]
    )
    lines = text.splitlines()
    assert lines[0] == "external_id,name,role,school,subjects,grade_bands,years_experience"
    assert lines[1] == 'T1,"\'=HYPERLINK(""http://x"")",mentor,\'@x,math;art,,'
    assert lines[2] == "T2,Ana,mentee,,,6-8,0"
