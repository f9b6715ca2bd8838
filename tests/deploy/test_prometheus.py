"""The Prometheus rules ops load: promtool checks and unit-tests them, every alert the monitor knows has a rule of its
severity, and every rule names a runbook that says what it means for citizens, what to check, how to fix, when to
escalate."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from central.monitor.alerts import RULES
from tests.common import ROOT
from tests.deploy.exporters import PROMETHEUS_OWN, scraped_names, series_of

PROMETHEUS = ROOT / "deploy" / "prometheus"
RULES_FILE = PROMETHEUS / "yichuang-rules.yml"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
SECTIONS = ("## What it means for citizens", "## What to check", "## How to fix", "## When to escalate")


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROMTOOL, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=180, check=False)


def test_promtool_checks_the_rules_and_their_unit_tests_pass() -> None:
    checked = _promtool("check", "rules", RULES_FILE.name)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = _promtool("test", "rules", "yichuang-rules.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_every_monitor_alert_has_a_rule_of_its_severity() -> None:
    text = RULES_FILE.read_text()
    for rule in RULES:
        block = re.search(rf'expr: yichuang_alerts_open{{rule="{rule.name}"}} > 0.*?severity: (\w+)', text, re.S)
        assert block is not None, rule.name
        assert block.group(1) == rule.severity, rule.name


def test_every_rule_names_a_runbook_with_the_four_sections() -> None:
    runbooks = re.findall(r"runbook: (docs/runbooks/\w+\.md)", RULES_FILE.read_text())
    assert len(runbooks) == RULES_FILE.read_text().count("- alert:")
    for path in runbooks:
        text = (ROOT / path).read_text()
        assert [s for s in SECTIONS if s not in text] == [], path


def test_every_series_the_rules_read_is_one_our_exporters_expose(tmp_path: Path) -> None:
    exprs = re.findall(r"^\s+expr: (.+?)(?:\s+#.*)?$", RULES_FILE.read_text(), re.M)
    used = {name for expr in exprs for name in series_of(expr)}
    assert {"yichuang_ingest_messages_total", "yichuang_crl_next_update_seconds"} <= used  # the parser finds them
    exposed = scraped_names(tmp_path)
    assert "yichuang_ingest_messages" not in exposed  # a counter is exposed as ..._total only (the old rules' slip)
    assert sorted(used - exposed - PROMETHEUS_OWN) == []


def test_the_scrape_config_is_valid_and_has_every_job_the_rules_name() -> None:
    checked = _promtool("check", "config", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    jobs = set(re.findall(r"job_name: ([\w-]+)", (PROMETHEUS / "prometheus.yml").read_text()))
    named = {job for alt in re.findall(r'job=~?"([^"]+)"', RULES_FILE.read_text()) for job in alt.split("|")}
    assert named <= jobs
    assert jobs == {"yichuang-fleet", "yichuang-central", "yichuang-enrollment"}
