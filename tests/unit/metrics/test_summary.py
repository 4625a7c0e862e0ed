"""How the reported figures follow from the read model's counts."""

from __future__ import annotations

from services.metrics.summary import Counts, district_summary, program_summary

COUNTS = Counts(
    programs=2,
    roles={"mentor": 2, "mentee": 4},
    matched_mentees=3,
    proposals={"proposed": 1, "approved": 3},
    relationships={"active": 2, "ended": 1},
    meetings={"scheduled": 1, "completed": 2},
    minutes=90,
    surveys={"issued": 2, "submitted": 1},
    mean_rating=4.0,
    notifications={"sent": 5},
)


def test_program_summary_figures():
    body = program_summary("p1", "D1", COUNTS).model_dump()
    assert list(body)[:2] == ["program_id", "district"]
    assert body == {
        "program_id": "p1",
        "district": "D1",
        "participants": {"mentors": 2, "mentees": 4},
        "matched_mentees": 3,
        "match_rate": 0.75,
        "active_relationships": 2,
        "ended_relationships": 1,
        "meetings": {"scheduled": 1, "completed": 2, "missed": 0},
        "mentoring_minutes": 90,
        "surveys": {"issued": 3, "submitted": 1, "mean_rating": 4.0},
        "notifications": {"sent": 5, "failed": 0},
        "proposals": {"proposed": 4, "approved": 3},
    }


def test_empty_counts_give_zeros_and_nulls():
    empty = Counts(0, {}, 0, {}, {}, {}, 0, {}, None, {})
    body = district_summary("D1", empty).model_dump()
    assert body["programs"] == 0 and body["match_rate"] is None
    assert body["surveys"] == {"issued": 0, "submitted": 0, "mean_rating": None}
    assert body["meetings"] == {"scheduled": 0, "completed": 0, "missed": 0}
