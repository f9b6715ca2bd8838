"""The Grafana dashboard: a valid dashboard model, and every series its panels query is one our exporters expose."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.common import ROOT
from tests.deploy.exporters import PROMETHEUS_OWN, scraped_names, series_of

DASHBOARD = ROOT / "deploy" / "grafana" / "yichuang.json"
PANEL_TYPES = {"row", "stat", "timeseries", "bargauge", "table", "gauge"}


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def queries(model: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (panel title, expression) of every target."""
    return [(panel["title"], target["expr"]) for panel in model["panels"] for target in panel.get("targets", [])]


def test_the_dashboard_is_a_valid_model(model: dict[str, Any]) -> None:
    assert re.fullmatch(r"[a-z0-9-]{1,40}", model["uid"])
    assert model["title"]
    assert isinstance(model["schemaVersion"], int)
    ids = [panel["id"] for panel in model["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    assert [v["name"] for v in model["templating"]["list"]] == ["datasource"]
    for panel in model["panels"]:
        assert panel["type"] in PANEL_TYPES, panel["title"]
        box = panel["gridPos"]
        assert min(box["w"], box["h"], box["x"] + 1) > 0, panel["title"]
        assert box["x"] + box["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)) > 0, panel["title"]
        assert all(t["expr"] for t in panel["targets"]), panel["title"]


def test_the_dashboard_covers_every_area(model: dict[str, Any]) -> None:
    rows = [panel["title"] for panel in model["panels"] if panel["type"] == "row"]
    assert rows == ["Fleet health", "Alerts", "Backlog", "Ingest", "Enrollment", "Expiry"]


def test_every_series_the_panels_query_is_exposed(tmp_path: Path, model: dict[str, Any]) -> None:
    exposed = scraped_names(tmp_path) | PROMETHEUS_OWN
    used = {(title, name) for title, expr in queries(model) for name in series_of(expr)}
    assert {name for _, name in used} >= {"yichuang_terminals", "yichuang_ingest_stored_total",
                                          "yichuang_crl_next_update_seconds"}  # the parser finds them
    assert sorted((title, name) for title, name in used if name not in exposed) == []


def test_the_series_check_catches_a_misspelt_name() -> None:
    assert series_of('sum by (kind) (rate(yichuang_ingest_stored[5m])) / 86400') == {"yichuang_ingest_stored"}
    assert series_of('up{job=~"yichuang-.*"} == 0') == {"up"}
