"""The benchmark harness: ratios from interleaved samples, and the reports it writes."""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchmarks.harness import MARK_END, MARK_START, Case, report, run_case


def test_ratio_reflects_the_work_done() -> None:
    case = Case("sleepy", lambda: time.sleep(0.004), lambda: time.sleep(0.001), "4 ms", "1 ms",
                ratio_range=(2.0, 6.0))
    result = run_case(case, repeats=3, min_seconds=0.01)
    assert 2.0 < result.ratio < 6.0
    assert result.within_range
    assert result.subject_us > result.baseline_us > 900


def test_report_appends_history_and_refreshes_the_readme(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{MARK_START}\nold table\n{MARK_END}\noutro\n", encoding="utf-8")
    result = run_case(Case("noop", lambda: None, lambda: None, "a", "b"), repeats=3, min_seconds=0.001)
    report([result], tmp_path, readme)
    report([result], tmp_path, readme)
    history = json.loads((tmp_path / "benchmarks.json").read_text(encoding="utf-8"))
    assert len(history) == 2
    assert history[0]["results"][0]["name"] == "noop"
    assert (tmp_path / "benchmarks.md").read_text(encoding="utf-8").count("## Run of") == 2
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text
    assert text.count("| noop |") == 1
    assert text.startswith("intro\n")
    assert text.endswith(f"{MARK_END}\noutro\n")
