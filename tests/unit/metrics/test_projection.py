"""The pure projection: what each event changes, status precedence, order and duplicates."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.metrics.domain import Change
from services.metrics.events import UNKNOWN, Envelope, decode
from shared.contracts.catalogue import EVENTS
from shared.contracts.envelope import EventData, make_event
from shared.contracts.matching import ParticipantEnrolled, ProgramCreated, ProgramModel, Role
from tests.unit.metrics.samples import (
    APPROVED,
    CANCELLED,
    COMPLETED,
    DECLINED,
    ENDED,
    FAILED,
    FLAGGED,
    ISSUED,
    MISSED,
    NOW,
    OVERDUE,
    PROPOSED,
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


def test_program_created_records_program_with_its_district():
    store = replay(ProgramCreated(program_id=P, model=ProgramModel.ONE_TO_ONE))
    assert store == {("programs", P): {"_id": P, "program_id": P, "district": D, "model": "one_to_one"}}


def test_every_event_records_its_program_even_without_program_created():
    store = replay(SENT)
    assert store[("programs", P)] == {"_id": P, "program_id": P, "district": D}


@pytest.mark.parametrize(
    ("data", "collection", "key", "expected"),
    [
        (
            ParticipantEnrolled(program_id=P, participant_id="e1", role=Role.MENTEE, enrolled_at=NOW),
            "participants",
            f"{P}:e1",
            {"role": "mentee", "participant_id": "e1"},
        ),
        (PROPOSED, "proposals", "pr1", {"status": "proposed", "mentee_id": "e1"}),
        (APPROVED, "proposals", "pr1", {"status": "approved"}),
        (STARTED, "relationships", "r1", {"status": "active", "mentee_key": f"{P}:e1"}),
        (ENDED, "relationships", "r1", {"status": "ended", "end_reason": "early_mismatch"}),
        (SCHEDULED, "meetings", "mt1", {"status": "scheduled", "kind": "check_in", "planned_minutes": 45}),
        (COMPLETED, "meetings", "mt1", {"status": "completed", "minutes": 60}),
        (MISSED, "meetings", "mt1", {"status": "missed", "minutes": 0}),
        (ISSUED, "surveys", "s1", {"status": "issued"}),
        (SUBMITTED, "surveys", "s1", {"status": "submitted", "rating": 4}),
        (SENT, "notifications", "n1", {"status": "sent"}),
        (FAILED, "notifications", "n1", {"status": "failed"}),
    ],
)
def test_each_event_type_changes_its_document(data, collection, key, expected):
    doc = replay(data)[(collection, key)]
    assert doc["program_id"] == P and doc["district"] == D
    assert expected.items() <= doc.items()


def test_every_catalogue_type_has_a_projection():
    projected = {
        type(d)
        for d in (
            ProgramCreated(program_id=P, model=ProgramModel.ONE_TO_ONE),
            PROPOSED,
            APPROVED,
            STARTED,
            ENDED,
            SCHEDULED,
            COMPLETED,
            MISSED,
            ISSUED,
            SUBMITTED,
            SENT,
            FAILED,
            ParticipantEnrolled(program_id=P, participant_id="x", role=Role.MENTOR, enrolled_at=NOW),
            REQUESTED,
            DECLINED,
            FLAGGED,
            RESCHEDULED,
            CANCELLED,
            OVERDUE,
            REMINDER,
            SHORT,
        )
    }
    assert projected == set(EVENTS)


def test_self_directed_requests_and_the_induction_flag_are_projected():
    store = replay(DECLINED, REQUESTED, FLAGGED)  # a late request cannot reopen a declined one
    assert store[("proposals", "pr2")]["status"] == "declined"
    assert store[("participants", f"{P}:e2")]["induction_flagged"] is True


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ((SCHEDULED, COMPLETED), "completed"),
        ((COMPLETED, SCHEDULED), "completed"),  # a late scheduled does not regress
        ((SCHEDULED, MISSED, COMPLETED), "missed"),  # the first final status stays
        ((MISSED, SCHEDULED), "missed"),
    ],
)
def test_meeting_status_only_moves_forward(events, status):
    assert replay(*events)[("meetings", "mt1")]["status"] == status


def test_late_scheduled_keeps_the_minutes_and_adds_its_facts():
    doc = replay(COMPLETED, SCHEDULED)[("meetings", "mt1")]
    assert doc["minutes"] == 60 and doc["planned_minutes"] == 45


@pytest.mark.parametrize(
    ("events", "collection", "key", "status"),
    [
        ((ENDED, STARTED), "relationships", "r1", "ended"),
        ((SUBMITTED, ISSUED), "surveys", "s1", "submitted"),
        ((APPROVED, PROPOSED), "proposals", "pr1", "approved"),
        ((SENT, FAILED), "notifications", "n1", "sent"),
        ((FAILED, SENT), "notifications", "n1", "sent"),
    ],
)
def test_out_of_order_arrival_does_not_regress(events, collection, key, status):
    assert replay(*events)[(collection, key)]["status"] == status


def test_relationship_ended_out_of_order_keeps_end_reason():
    assert replay(ENDED, STARTED)[("relationships", "r1")]["end_reason"] == "early_mismatch"


def test_replaying_everything_twice_changes_nothing():
    events = (PROPOSED, APPROVED, STARTED, SCHEDULED, COMPLETED, ISSUED, SUBMITTED, SENT, ENDED)
    once = replay(*events)
    assert replay(*events, store={k: dict(v) for k, v in once.items()}) == once


def test_initial_status_has_nothing_to_replace():
    assert Change("meetings", "m", {}, "scheduled").lower_statuses() == ()
    assert set(Change("meetings", "m", {}, "completed").lower_statuses()) == {"scheduled"}
    assert Change("programs", "p", {}).lower_statuses() == ()


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


def test_a_cancelled_meeting_stays_cancelled_and_reschedules_reminders_overdue_are_facts():
    store = replay(SCHEDULED, RESCHEDULED, REMINDER, OVERDUE, CANCELLED, SCHEDULED)
    meeting = store[("meetings", "mt1")]
    assert (meeting["status"], meeting["reschedules"], meeting["reminded"], meeting["overdue"]) == ("cancelled", 1, True, True)
    assert replay(STARTED, SHORT)[("relationships", "r1")]["induction_hours_short"] is True
