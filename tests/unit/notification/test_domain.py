"""Who gets which notice, and the delivery decisions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notification import domain
from services.notification.domain import Step, give_up, next_step, plan
from shared.contracts.feedback import SurveyIssued, SurveyTemplate
from shared.contracts.matching import EndReason, RelationshipEnded, RelationshipStarted
from shared.contracts.scheduling import MeetingKind, MeetingScheduled

NOW = datetime(2025, 10, 1, tzinfo=UTC)


def test_relationship_started_tells_both_who_the_partner_is():
    notices = plan(RelationshipStarted(program_id="p", relationship_id="r", mentor_id="m", mentee_id="e", started_at=NOW))
    assert [(n.recipient_id, n.template, n.partner_ids) for n in notices] == [
        ("m", "relationship_started", ("e",)),
        ("e", "relationship_started", ("m",)),
    ]
    assert notices[0].params["partner_role"] == "mentee" and notices[1].params["partner_role"] == "mentor"


def test_meeting_scheduled_tells_each_participant_once_about_the_others():
    data = MeetingScheduled(
        program_id="p",
        relationship_id="r",
        meeting_id="x",
        meeting_kind=MeetingKind.DEBRIEF,
        participant_ids=["a", "b", "a"],
        starts_at=NOW,
        duration_minutes=30,
    )
    notices = plan(data)
    assert [(n.recipient_id, n.partner_ids) for n in notices] == [("a", ("b",)), ("b", ("a",))]
    assert notices[0].params == {"meeting_kind": "debrief", "starts_at": NOW, "duration_minutes": 30}


def test_survey_issued_goes_to_the_respondent_only():
    data = SurveyIssued(
        program_id="p",
        relationship_id="r",
        survey_id="s",
        respondent_id="e",
        template=SurveyTemplate.MATCH_QUALITY_30D,
        due_at=NOW,
    )
    (notice,) = plan(data)
    assert (notice.recipient_id, notice.template, notice.partner_ids) == ("e", "survey_issued", ())
    assert notice.params == {"due_at": NOW, "survey": "match_quality_30d"}


def test_an_event_without_a_template_is_refused():
    data = RelationshipEnded(
        program_id="p", relationship_id="r", mentor_id="m", mentee_id="e", ended_at=NOW, reason=EndReason.COMPLETED
    )
    with pytest.raises(TypeError):
        plan(data)


@pytest.mark.parametrize(
    ("status", "has_contact", "lease", "step"),
    [
        ("sent", True, 0, Step.DONE),
        ("failed", True, 0, Step.DONE),
        ("sent", False, 0, Step.DONE),  # sent before the contact was removed: still nothing to do
        ("pending", False, 0, Step.NO_CONTACT),
        ("pending", True, 2_000, Step.BUSY),
        ("pending", True, 1_000, Step.SEND),  # lease expired exactly now
        ("pending", True, 0, Step.SEND),
    ],
)
def test_next_step(status, has_contact, lease, step):
    assert next_step(status, has_contact, lease, now_ms=1_000) is step


def test_give_up_only_on_the_last_delivery():
    assert not give_up(1, 3)
    assert not give_up(2, 3)
    assert give_up(3, 3)
    assert give_up(4, 3)


def test_failure_reason_is_one_line_and_fits_the_contract():
    reason = domain.failure_reason(ConnectionRefusedError("refused\n" + "x" * 1000))
    assert reason.startswith("ConnectionRefusedError: refused x")
    assert len(reason) == domain.MAX_REASON_CHARS and "\n" not in reason
    assert domain.clip_reason(None) == "unknown error"
