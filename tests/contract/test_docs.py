"""The event catalogue in docs/ and the AsyncAPI documents come from the code and stay in step with it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from devstack.__main__ import cli
from shared.contracts.catalogue import EVENTS, markdown_table

ROOT = Path(__file__).resolve().parents[2]


def test_committed_catalogue_matches_the_contract_models():
    assert (ROOT / "docs" / "events.md").read_text() == "# Event catalogue\n\n" + markdown_table() + "\n"


def test_asyncapi_document_per_service_lists_what_it_publishes_and_consumes(tmp_path):
    result = CliRunner().invoke(cli, ["docs", "--out", str(tmp_path / "asyncapi")])
    assert result.exit_code == 0, result.output
    documents = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "asyncapi").glob("*.json")}
    assert set(documents) == {"matching", "scheduling", "notification", "feedback", "metrics"}
    addresses = {name: {c["address"] for c in doc["channels"].values()} for name, doc in documents.items()}
    for model in EVENTS:
        producer = model.kind.domain.value
        assert model.kind.documented_subject in addresses[producer], f"{producer} does not document {model.kind.type}"
    assert "mentoring.matching.*.relationship.started.v1" in addresses["scheduling"]
    assert "mentoring.feedback.>" in addresses["metrics"]
