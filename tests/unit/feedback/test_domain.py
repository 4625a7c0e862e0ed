"""The survey schedule: who gets which survey, due when; reminders and expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from services.feedback import domain
from shared.contracts.feedback import SurveyTemplate

STARTED = datetime(2025, 9, 1, 15, 30, tzinfo=UTC)


def test_match_quality_goes_to_mentor_then_mentee_due_30_days_after_the_start():
    plans = domain.match_quality("P1", "R1", "MENTOR1", "MENTEE1", STARTED)
    assert [(p.respondent_id, p.role, p.template.name) for p in plans] == [
        ("MENTOR1", "mentor", SurveyTemplate.MATCH_QUALITY_30D),
        ("MENTEE1", "mentee", SurveyTemplate.MATCH_QUALITY_30D),
    ]
    assert {p.due_at for p in plans} == {datetime(2025, 10, 1, 15, 30, tzinfo=UTC)}
    assert {(p.program_id, p.relationship_id, p.campaign_id, p.template.version) for p in plans} == {("P1", "R1", None, 1)}


def test_due_dates_are_utc_whatever_the_offset_or_naive_input():
    paris = timezone(timedelta(hours=2))
    aware = domain.match_quality("P", "R1", "A", "B", datetime(2025, 9, 1, 17, 30, tzinfo=paris))
    naive = domain.match_quality("P", "R1", "A", "B", datetime(2025, 9, 1, 15, 30))
    expected = datetime(2025, 10, 1, 15, 30, tzinfo=UTC)
    assert aware[0].due_at == expected and aware[0].due_at.utcoffset() == timedelta(0)
    assert naive[0].due_at == expected and naive[0].due_at.tzinfo is UTC


def test_survey_ids_are_derived_per_scope_template_and_respondent():
    first = domain.match_quality("P", "R1", "MENTOR1", "MENTEE1", STARTED)
    again = domain.match_quality("P", "R1", "MENTOR1", "MENTEE1", STARTED + timedelta(days=3))
    assert [p.survey_id for p in first] == [p.survey_id for p in again]
    assert first[0].survey_id == domain.survey_id("R1", SurveyTemplate.MATCH_QUALITY_30D, "MENTOR1")
    closure = domain.closure("P", "R1", "MENTOR1", "MENTEE1", STARTED)
    other = domain.match_quality("P", "R2", "MENTOR1", "MENTEE1", STARTED)
    assert len({p.survey_id for p in first + closure + other}) == 6


def test_someone_paired_with_themselves_gets_one_survey_not_two():
    assert len(domain.match_quality("P", "R1", "SAME", "SAME", STARTED)) == 1


def test_closure_is_due_14_days_after_the_end_and_the_pulse_7_days_after_the_meeting():
    ended = STARTED + timedelta(days=200)
    assert {p.due_at for p in domain.closure("P", "R1", "A", "B", ended)} == {ended + timedelta(days=14)}
    people = domain.roles(["A", "B", "C"], "A", "B")
    assert people == [("A", "mentor"), ("B", "mentee"), ("C", "participant")]
    pulse = domain.pulse("P", "R1", "MEET1", people, STARTED)
    assert [p.respondent_id for p in pulse] == ["A", "B", "C"] and {p.due_at for p in pulse} == {STARTED + timedelta(days=7)}
    assert pulse[0].survey_id == domain.survey_id("MEET1", SurveyTemplate.MEETING_PULSE, "A")


def test_mid_cycle_is_issued_from_day_91_to_day_98_and_due_on_day_105():
    assert not domain.mid_cycle_window(STARTED, STARTED + timedelta(days=90, hours=23))
    assert domain.mid_cycle_window(STARTED, STARTED + timedelta(days=91))
    assert domain.mid_cycle_window(STARTED, STARTED + timedelta(days=97, hours=23))
    assert not domain.mid_cycle_window(STARTED, STARTED + timedelta(days=98))
    plans = domain.mid_cycle("P", "R1", "A", "B", STARTED)
    assert {p.due_at for p in plans} == {STARTED + timedelta(days=105)}


def test_a_campaign_goes_to_everyone_with_no_relationship():
    plans = domain.campaign("C1", "P", [("A", "mentor"), ("B", "mentee"), ("A", "mentor")], STARTED, 10)
    assert [p.respondent_id for p in plans] == ["A", "B"]
    assert {(p.relationship_id, p.campaign_id, p.template.anonymous) for p in plans} == {(None, "C1", True)}
    assert {p.due_at for p in plans} == {STARTED + timedelta(days=10)}


def test_a_reminder_is_due_in_the_last_48_hours_unless_the_survey_was_issued_inside_them():
    due, before = STARTED + timedelta(days=7), timedelta(hours=48)
    assert not domain.reminder_due(STARTED, due, due - timedelta(hours=49), before)
    assert domain.reminder_due(STARTED, due, due - timedelta(hours=48), before)
    assert domain.reminder_due(STARTED, due, due, before)
    assert not domain.reminder_due(STARTED, due, due + timedelta(seconds=1), before)
    assert not domain.reminder_due(due - timedelta(hours=24), due, due - timedelta(hours=1), before)


def test_a_survey_expires_once_its_due_date_has_passed():
    assert not domain.is_expired(STARTED, STARTED)
    assert domain.is_expired(STARTED, STARTED + timedelta(seconds=1))
    assert domain.is_expired(STARTED.replace(tzinfo=None), STARTED + timedelta(minutes=1))
