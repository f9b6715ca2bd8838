"""The Prometheus rules ops load: promtool checks and unit-tests them, every alert the monitor knows has a rule of its
severity, and every rule names a runbook that says what it means for citizens, what to check, how to fix, when to
escalate."""

from __future__ import annotations

import re
import shutil
import subprocess

from central.monitor.alerts import RULES
from tests.common import ROOT

PROMETHEUS = ROOT / "deploy" / "prometheus"
RULES_FILE = PROMETHEUS / "yichuang-rules.yml"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
SECTIONS = ("## What it means for citizens", "## What to check", "## How to fix", "## When to escalate")


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROMTOOL, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60, check=False)


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
