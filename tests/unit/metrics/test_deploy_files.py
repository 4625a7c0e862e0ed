"""The Grafana dashboard and the Prometheus alert rules only use series the services export."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from services.metrics.app import create_app

ROOT = Path(__file__).resolve().parents[3]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "mentoring.json"
SERIES = re.compile(r"\b(mentoring_[a-z_]+|faststream_[a-z_]+)\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported() -> set[str]:
    registry = create_app().state.runtime.registry
    names = set()
    for family in registry.collect():
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
    return names


def used(expressions: list[str]) -> set[str]:
    return {name for expr in expressions for name in SERIES.findall(expr)}


def alert_expressions() -> list[str]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_alert_rules_use_exported_series_and_name_every_alert():
    rules = [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]
    assert {"DeadLettersArriving", "MetricsConsumerLag", "MatchRateLow", "AtRiskRelationshipsHigh"} <= {r["alert"] for r in rules}
    assert all(r["annotations"]["summary"] and r["labels"]["severity"] for r in rules)
    assert used(alert_expressions()) <= exported(), used(alert_expressions()) - exported()


def test_dashboard_panels_use_exported_series_and_filter_by_district():
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert used(expressions) <= exported(), used(expressions) - exported()
    assert any('district=~"$district"' in e for e in expressions)
    assert {v["name"] for v in dashboard["templating"]["list"]} == {"datasource", "district"}
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian package prometheus) is not installed")
def test_promtool_accepts_the_rules_and_the_config():
    config = ROOT / "deploy" / "prometheus" / "prometheus.yml"
    result = subprocess.run(["promtool", "check", "config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
