"""The public event contract: envelope attributes, versioned types, the subject scheme, no personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.contracts.catalogue import EVENTS, markdown_table
from shared.contracts.envelope import CloudEvent, derived_id, make_event
from shared.contracts.matching import RelationshipStarted
from shared.contracts.subjects import STREAMS

PERSONAL = {"name", "email", "first_name", "last_name", "comment", "phone", "address"}


@pytest.mark.parametrize("model", EVENTS, ids=lambda m: m.kind.type)
def test_every_event_is_versioned_routable_and_free_of_personal_fields(model):
    kind = model.kind
    assert kind.type.startswith("org.mentoring.") and kind.type.endswith(f".v{kind.version}")
    subject = kind.subject("D1")
    assert subject.split(".") == ["mentoring", kind.domain.value, "D1", kind.entity, kind.action, f"v{kind.version}"]
    assert STREAMS[kind.domain].subjects == [f"mentoring.{kind.domain.value}.>"]
    assert not PERSONAL & set(model.model_fields), f"{kind.type} carries a personal field"


def test_envelope_is_cloudevents_1_0_structured_json():
    data = RelationshipStarted(
        program_id="p", relationship_id="r", mentor_id="a", mentee_id="b", started_at=datetime(2026, 9, 1, tzinfo=UTC)
    )
    event = make_event(data, district="D1", subject="r", event_id=derived_id("x", "r"))
    body = json.loads(event.model_dump_json())
    for attribute in ("specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"):
        assert attribute in body
    assert body["specversion"] == "1.0" and body["type"] == "org.mentoring.relationship.started.v1"
    assert event.nats_subject == "mentoring.matching.D1.relationship.started.v1"
    assert CloudEvent[RelationshipStarted].model_validate(body) == event


def test_derived_ids_are_stable_and_distinct():
    assert derived_id("a", "b") == derived_id("a", "b") != derived_id("a", "c")


@pytest.mark.parametrize("district", ["", "D 1", "D.1", "D*", "x" * 65])
def test_district_must_be_one_subject_token(district):
    data = RelationshipStarted(
        program_id="p", relationship_id="r", mentor_id="a", mentee_id="b", started_at=datetime(2026, 9, 1, tzinfo=UTC)
    )
    with pytest.raises(ValidationError) as info:
        make_event(data, district=district, subject="r")
    assert info.value.errors()[0]["loc"] == ("district",)


def test_catalogue_lists_every_event_once():
    table = markdown_table()
    assert len({m.kind.type for m in EVENTS}) == len(EVENTS) == 26
    assert all(m.kind.type in table for m in EVENTS)
