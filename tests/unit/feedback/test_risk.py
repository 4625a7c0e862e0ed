"""At-risk rules: runs of missed meetings ordered by start, and low pulse answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.feedback import risk
from shared.contracts.feedback import AtRiskReason, SurveyTemplate

T0 = datetime(2025, 9, 1, tzinfo=UTC)


def meetings(pattern: str) -> list[risk.Outcome]:
    """``pattern``: one letter per meeting in start order, M missed, C completed; ids m0, m1, ..."""
    return [risk.Outcome(f"m{i}", T0 + timedelta(days=7 * i), c == "M") for i, c in enumerate(pattern)]


def test_two_missed_in_a_row_is_one_run_named_by_its_first_meeting():
    assert risk.missed_runs(meetings("CMMC")) == ["m1"]
    assert risk.missed_runs(meetings("MMMM")) == ["m0"]  # a third miss in the same run warns no more


def test_missed_meetings_apart_are_no_run_and_a_new_run_warns_again():
    assert risk.missed_runs(meetings("MCMCM")) == []
    assert risk.missed_runs(meetings("MMCMM")) == ["m0", "m3"]
    assert risk.missed_runs([]) == []


def test_the_order_is_the_meeting_start_not_the_order_the_outcomes_arrived_in():
    arrived = list(reversed(meetings("MCM")))  # m2 missed, m1 completed, m0 missed
    assert risk.missed_runs(arrived) == []
    moved = [
        risk.Outcome("a", T0 + timedelta(days=14), True),
        risk.Outcome("b", T0, True),
        risk.Outcome("c", T0 + timedelta(days=7), False),
    ]
    assert risk.missed_runs(moved) == []  # b (first), c completed, a: not in a row


def test_a_low_pulse_is_a_meeting_pulse_rated_2_or_lower():
    assert risk.is_low_pulse(SurveyTemplate.MEETING_PULSE, 2) and risk.is_low_pulse("meeting_pulse", 1)
    assert not risk.is_low_pulse(SurveyTemplate.MEETING_PULSE, 3)
    assert not risk.is_low_pulse(SurveyTemplate.CLOSURE, 1)


def test_alert_ids_are_derived_per_relationship_reason_and_occurrence():
    a = risk.alert_id("R1", AtRiskReason.LOW_PULSE, "S1")
    assert a == risk.alert_id("R1", AtRiskReason.LOW_PULSE, "S1")
    assert (
        len({a, risk.alert_id("R1", AtRiskReason.LOW_PULSE, "S2"), risk.alert_id("R1", AtRiskReason.TWO_MISSED_MEETINGS, "S1")})
        == 3
    )
