"""The pure projection: what each event changes, status precedence, conflicting reports, derived fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.metrics.domain import Meta, own_document, project
from services.metrics.events import UNKNOWN, Envelope, decode
from services.metrics.lattice import Change, Merge, apply, merge
from shared.contracts.catalogue import EVENTS
from shared.contracts.envelope import EventData, make_event
from shared.contracts.feedback import (
    AnonymousAnswersReleased,
    AtRiskReason,
    ClosureRecorded,
    RelationshipAtRisk,
    SurveyReminderDue,
    SurveyTemplate,
)
from shared.contracts.matching import (
    EndReason,
    ParticipantEnrolled,
    ParticipantStatusChanged,
    ProgramCreated,
    ProgramModel,
    RelationshipEnded,
    Role,
    TeachingStatus,
)
from shared.contracts.scheduling import MeetingCompleted
from tests.unit.metrics.samples import (
    APPROVED,
    CANCELLED,
    COMPLETED,
    DECLINED,
    ENDED,
    FAILED,
    FLAGGED,
    ISSUED,
    MEETING,
    MISSED,
    NOW,
    OVERDUE,
    PROPOSED,
    REL,
    REMINDER,
    REQUESTED,
    RESCHEDULED,
    SCHEDULED,
    SENT,
    SHORT,
    STARTED,
    SUBMITTED,
    D,
    P,
    replay,
)

ENROLLED = ParticipantEnrolled(
    program_id=P, participant_id="e1", role=Role.MENTEE, enrolled_at=NOW - timedelta(days=2), school="North"
)
STATUS = ParticipantStatusChanged(
    program_id=P, participant_id="e1", status=TeachingStatus.TEACHING, term="2026-27", effective_at=NOW
)
RISK = RelationshipAtRisk(program_id=P, relationship_id="r1", reason=AtRiskReason.LOW_PULSE)
CLOSURE = ClosureRecorded(program_id=P, relationship_id="r1", reason=EndReason.COMPLETED, recorded_by="e1")
SURVEY_REMINDER = SurveyReminderDue(
    program_id=P, survey_id="s1", respondent_id="e1", template=SurveyTemplate.MATCH_QUALITY_30D, due_at=NOW
)
BATCH = AnonymousAnswersReleased(
    program_id=P, campaign_id="c1", template=SurveyTemplate.PROGRAM_ANONYMOUS, ratings=[2, 5, 5], recommends=[10]
)
EVERY_KIND = (
    ProgramCreated(program_id=P, model=ProgramModel.ONE_TO_ONE),
    *(ENROLLED, STATUS, PROPOSED, APPROVED, REQUESTED, DECLINED, FLAGGED, STARTED, ENDED, RISK, CLOSURE, SHORT),
    *(SCHEDULED, RESCHEDULED, CANCELLED, OVERDUE, REMINDER, COMPLETED, MISSED),
    *(ISSUED, SUBMITTED, SURVEY_REMINDER, BATCH, SENT, FAILED),
)


def test_every_catalogue_type_has_a_projection():
    assert {type(d) for d in EVERY_KIND} == set(EVENTS)
    for data in EVERY_KIND:
        assert {"_id": P, "program_id": P, "district": D}.items() <= replay(data)[("programs", P)].items()


def test_program_created_records_the_model():
    assert replay(ProgramCreated(program_id=P, model=ProgramModel.GROUP))[("programs", P)]["model"] == "group"


@pytest.mark.parametrize(
    ("data", "collection", "key", "expected"),
    [
        (ENROLLED, "participants", f"{P}:e1", {"role": "mentee", "school": "North", "matched": False}),
        (STATUS, "statuses", f"{P}:e1:2026-27", {"status": "teaching", "term": "2026-27"}),
        (PROPOSED, "proposals", "pr1", {"status": "proposed", "mentee_id": "e1"}),
        (REQUESTED, "proposals", "pr2", {"status": "proposed"}),
        (APPROVED, "proposals", "pr1", {"status": "approved"}),
        (STARTED, "relationships", "r1", {"status": "active", "mentee_id": "e1"}),
        (ENDED, "relationships", "r1", {"status": "ended"}),
        (RISK, "relationships", "r1", {"status": None, "at_risk": True, "at_risk_reasons": ["low_pulse"]}),
        (CLOSURE, "relationships", "r1", {"closure_reasons": ["completed"]}),
        (SHORT, "relationships", "r1", {"induction_hours_short": True}),
        (SCHEDULED, "meetings", "mt1", {"status": "scheduled", "kind": "check_in", "week": "2025-09-01"}),
        (COMPLETED, "meetings", "mt1", {"status": "completed", "minutes": 60}),
        (MISSED, "meetings", "mt1", {"status": "missed", "minutes": 0}),
        (CANCELLED, "meetings", "mt1", {"status": "cancelled"}),
        (REMINDER, "meetings", "mt1", {"status": None, "reminded": True}),
        (OVERDUE, "meetings", "mt1", {"status": None, "overdue": True}),
        (ISSUED, "surveys", "s1", {"status": "issued", "respondent_id": "e1"}),
        (SUBMITTED, "surveys", "s1", {"status": "submitted"}),
        (SURVEY_REMINDER, "surveys", "s1", {"status": "issued", "reminded": True}),
        (SENT, "notifications", "n1", {"status": "sent"}),
        (FAILED, "notifications", "n1", {"status": "failed"}),
    ],
)
def test_each_event_type_changes_its_document(data, collection, key, expected):
    doc = replay(data)[(collection, key)]
    assert doc["program_id"] == P and doc["district"] == D
    assert expected.items() <= doc.items()


def test_an_anonymous_batch_is_keyed_by_its_envelope_and_counted_by_value():
    store = replay(BATCH)
    (key,) = [k for c, k in store if c == "anonymous"]
    doc = store[("anonymous", key)]
    assert (doc["r2"], doc["r5"], doc["r1"], doc["n10"], doc["n0"]) == (1, 2, 0, 1, 0)
    assert "respondent_id" not in doc and "survey_id" not in doc


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ((SCHEDULED, COMPLETED), "completed"),
        ((COMPLETED, SCHEDULED), "completed"),  # a late scheduled does not regress
        ((SCHEDULED, MISSED, COMPLETED), "completed"),  # conflicting reports: completed outranks missed
        ((COMPLETED, MISSED), "completed"),
        ((MISSED, CANCELLED), "missed"),  # and missed outranks cancelled, in any order
        ((CANCELLED, SCHEDULED), "cancelled"),
    ],
)
def test_meeting_status_only_moves_forward_and_conflicts_resolve_the_same_in_any_order(events, status):
    assert replay(*events)[("meetings", "mt1")]["status"] == status
    assert replay(*reversed(events))[("meetings", "mt1")]["status"] == status


@pytest.mark.parametrize(
    ("events", "collection", "key", "status"),
    [
        ((ENDED, STARTED), "relationships", "r1", "ended"),
        ((SUBMITTED, ISSUED), "surveys", "s1", "submitted"),
        ((APPROVED, PROPOSED), "proposals", "pr1", "approved"),
        ((DECLINED, REQUESTED), "proposals", "pr2", "declined"),
        ((SENT, FAILED), "notifications", "n1", "sent"),
        ((FAILED, SENT), "notifications", "n1", "sent"),
    ],
)
def test_out_of_order_arrival_does_not_regress(events, collection, key, status):
    assert replay(*events)[(collection, key)]["status"] == status


def test_a_relationship_ended_twice_keeps_the_same_reason_in_either_order():
    other = RelationshipEnded(**REL, ended_at=NOW, reason=EndReason.COMPLETED)
    assert replay(ENDED, other)[("relationships", "r1")] == replay(other, ENDED)[("relationships", "r1")]
    assert replay(ENDED, STARTED)[("relationships", "r1")]["state"] == [1, "ended", "early_mismatch"]


def test_the_longer_completed_duration_wins_whatever_the_order():
    short = MeetingCompleted(**MEETING, duration_minutes=30)
    assert (
        replay(COMPLETED, short)[("meetings", "mt1")]["minutes"] == replay(short, COMPLETED)[("meetings", "mt1")]["minutes"] == 60
    )


def test_the_highest_reschedule_sets_the_week_and_outcomes_date_only_unscheduled_meetings():
    moved = RESCHEDULED.model_copy(update={"starts_at": NOW + timedelta(days=14), "sequence": 2})
    assert replay(moved, SCHEDULED, RESCHEDULED)[("meetings", "mt1")]["week"] == "2025-09-15"
    assert replay(COMPLETED, at=NOW + timedelta(days=7))[("meetings", "mt1")]["week"] == "2025-09-08"
    assert replay(COMPLETED, SCHEDULED, at=NOW + timedelta(days=7))[("meetings", "mt1")]["week"] == "2025-09-01"


def test_matched_mentee_gets_whole_hours_to_the_first_relationship():
    later = STARTED.model_copy(update={"relationship_id": "r2", "started_at": NOW + timedelta(days=5)})
    person = replay(later, STARTED, ENROLLED)[("participants", f"{P}:e1")]
    assert (person["matched"], person["ttm_hours"]) == (True, 48)
    assert person["g"] == f"{P}|mentee|1|0|48||2025-08-25"


def test_flagged_and_unmatched_mentees_are_told_apart():
    flagged = replay(ENROLLED, FLAGGED.model_copy(update={"participant_id": "e1"}))[("participants", f"{P}:e1")]
    waiting = replay(ENROLLED)[("participants", f"{P}:e1")]
    assert flagged["g"].split("|")[3:6] == ["1", "", ""]
    assert waiting["g"].split("|")[3:6] == ["0", "", "2025-08-30"]


def test_the_earliest_enrolment_counts():
    again = ENROLLED.model_copy(update={"enrolled_at": NOW, "school": "South", "role": Role.MENTOR})
    assert replay(again, ENROLLED)[("participants", f"{P}:e1")]["school"] == "North"
    assert replay(ENROLLED, again)[("participants", f"{P}:e1")]["role"] == "mentee"


def test_the_latest_status_of_a_term_counts():
    left = STATUS.model_copy(update={"status": TeachingStatus.LEFT_TEACHING, "effective_at": NOW + timedelta(days=1)})
    assert replay(left, STATUS)[("statuses", f"{P}:e1:2026-27")]["status"] == "left_teaching"


def test_replaying_everything_twice_changes_nothing():
    once = replay(*EVERY_KIND)
    assert replay(*EVERY_KIND, store={k: dict(v) for k, v in once.items()}) == once


def test_joins_ignore_missing_values_and_union_sorts():
    assert merge(Merge.MAX, None, 3) == merge(Merge.MAX, 3, None) == 3
    assert merge(Merge.MIN, 2, 5) == 2
    assert merge(Merge.UNION, ["b"], ["a", "b"]) == ["a", "b"]
    assert apply(None, Change("x", "k", {"n": (Merge.MAX, 1)})) == {"_id": "k", "n": 1}


def _envelope(event: EventData, **overrides: Any) -> Envelope:
    body = make_event(event, district=D, subject="mt1").model_dump(mode="json")
    return Envelope.model_validate({**body, **overrides})


def test_decode_validates_data_against_the_catalogue_model():
    assert decode(_envelope(COMPLETED)) == COMPLETED


def test_decode_rejects_a_payload_that_breaks_the_contract():
    with pytest.raises(ValidationError):
        decode(_envelope(COMPLETED, data={**COMPLETED.model_dump(mode="json"), "duration_minutes": -5}))


def test_unknown_type_is_not_decoded_and_labelled_unknown():
    envelope = _envelope(COMPLETED, type="org.mentoring.meeting.completed.v2")
    assert decode(envelope) is None
    assert envelope.type_label == UNKNOWN
    assert _envelope(COMPLETED).type_label == "org.mentoring.meeting.completed.v1"


def test_survey_and_meeting_reminders_are_facts():
    store = replay(SCHEDULED, RESCHEDULED, REMINDER, OVERDUE, CANCELLED, SCHEDULED)
    meeting = store[("meetings", "mt1")]
    assert (meeting["status"], meeting["reschedules"], meeting["reminded"], meeting["overdue"]) == ("cancelled", 1, True, True)


def test_an_event_is_remembered_by_its_own_document_only():
    changes = project(Meta(D, NOW.timestamp(), "env-1"), COMPLETED)
    assert own_document(changes) == ("meetings", "mt1")
    assert [c.collection for c in changes] == ["meetings", "programs"]
    assert changes[0].fields["seen"] == (Merge.UNION, ["env-1"]) and "seen" not in changes[1].fields
    created = project(Meta(D, NOW.timestamp(), "env-2"), ProgramCreated(program_id=P, model=ProgramModel.PEER))
    assert own_document(created) == ("programs", P) and len(created) == 1
