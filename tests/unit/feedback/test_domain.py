"""Which surveys a relationship gets, when they are due, and when an answer is late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from services.feedback import domain
from shared.contracts.feedback import SurveyTemplate
from shared.contracts.matching import Role

STARTED = datetime(2025, 9, 1, 15, 30, tzinfo=UTC)


def test_mentor_and_mentee_each_get_the_30_day_match_quality_survey():
    plans = domain.surveys_for("R1", "MENTOR1", "MENTEE1", STARTED)
    assert [(p.respondent_id, p.role, p.template) for p in plans] == [
        ("MENTOR1", Role.MENTOR, SurveyTemplate.MATCH_QUALITY_30D),
        ("MENTEE1", Role.MENTEE, SurveyTemplate.MATCH_QUALITY_30D),
    ]


def test_surveys_are_due_30_days_after_the_start():
    plans = domain.surveys_for("R1", "MENTOR1", "MENTEE1", STARTED)
    assert {p.due_at for p in plans} == {datetime(2025, 10, 1, 15, 30, tzinfo=UTC)}


def test_due_date_is_utc_whatever_the_offset_or_naive_input():
    paris = timezone(timedelta(hours=2))
    aware = domain.surveys_for("R1", "A", "B", datetime(2025, 9, 1, 17, 30, tzinfo=paris))
    naive = domain.surveys_for("R1", "A", "B", datetime(2025, 9, 1, 15, 30))
    expected = datetime(2025, 10, 1, 15, 30, tzinfo=UTC)
    assert aware[0].due_at == expected and aware[0].due_at.utcoffset() == timedelta(0)
    assert naive[0].due_at == expected and naive[0].due_at.tzinfo is UTC


def test_survey_ids_are_the_derived_natural_key_and_stable():
    first = domain.surveys_for("R1", "MENTOR1", "MENTEE1", STARTED)
    again = domain.surveys_for("R1", "MENTOR1", "MENTEE1", STARTED + timedelta(days=3))
    assert [p.survey_id for p in first] == [p.survey_id for p in again]
    assert first[0].survey_id == domain.survey_id("R1", SurveyTemplate.MATCH_QUALITY_30D, "MENTOR1")
    assert len({p.survey_id for p in first}) == 2
    other = domain.surveys_for("R2", "MENTOR1", "MENTEE1", STARTED)
    assert not {p.survey_id for p in first} & {p.survey_id for p in other}


def test_someone_paired_with_themselves_gets_one_survey_not_two():
    assert len(domain.surveys_for("R1", "SAME", "SAME", STARTED)) == 1


def test_an_answer_after_the_due_date_is_late_and_one_on_time_is_not():
    due = STARTED + timedelta(days=30)
    assert not domain.is_late(due, due)
    assert not domain.is_late(due, due - timedelta(days=1))
    assert domain.is_late(due, due + timedelta(seconds=1))
    assert domain.is_late(due.replace(tzinfo=None), due + timedelta(minutes=1))
