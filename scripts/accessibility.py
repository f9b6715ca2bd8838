"""Write docs/accessibility.md: every screen measured from its widgets, in every orientation, language and mode.

Run by ``make accessibility``: for each orientation and mode (normal, elder, high contrast, both) the
measuring walk (tests/kiosk/ui/accessibility.py) runs under its own Xvfb, then the report gets a
table per screen and a summary line per criterion with pass/fail and the worst number. Exits 1 when
any screen falls below a threshold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.ui.display import start_xvfb  # noqa: E402  (after the checkout is on the path)
from tests.kiosk.ui.a11y_rules import RULES, applies, failures, value  # noqa: E402

MODES: dict[str, tuple[str, ...]] = {"normal": (), "elder": ("elder",), "high contrast": ("high",),
                                     "elder + high contrast": ("elder", "high")}
COLUMNS = ("text_mm", "line", "target_mm", "gap_mm", "text_contrast", "cue_contrast", "warn_after_s", "answer_s")
Run = tuple[str, str, list[dict[str, Any]]]  # orientation, mode, rows


def measure(display: str, orientation: str, modes: tuple[str, ...]) -> list[dict[str, Any]]:
    """Run the measuring walk for one orientation and mode and return its rows."""
    env = {**os.environ, "DISPLAY": display, "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-home-")}
    command = [sys.executable, "-m", "tests.kiosk.ui.accessibility", orientation, *modes]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603 - our own arguments
                          timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"measuring {orientation} {modes} failed:\n{done.stderr[-3000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def screen_table(view: str, runs: list[Run]) -> list[str]:
    """Return the markdown table of one screen: a line per orientation, mode and language."""
    lines = [f"### {view}", "", "| orientation | mode | lang | " + " | ".join(COLUMNS) + " | spoken prompt |",
             "|" + "---|" * (len(COLUMNS) + 4)]
    for orientation, mode, rows in runs:
        for row in (r for r in rows if r["view"] == view):
            cells = " | ".join(f"{row[c]:g}" for c in COLUMNS)
            lines.append(f"| {orientation} | {mode} | {row['lang']} | {cells} | {row['prompt']} |")
    return [*lines, ""]


def summary(runs: list[Run]) -> list[str]:
    """Return one line per criterion: pass or fail, with the worst number over the screens it applies to."""
    lines = ["| standard | criterion | threshold | worst measured | where | result |", "|---|---|---|---|---|---|"]
    for rule in RULES:
        measured = [(value(row, rule.measure), f"{row['view']} ({orientation}, {mode}, {row['lang']})")
                    for orientation, mode, rows in runs if applies(rule, MODES[mode]) for row in rows]
        worst, where = min(measured)
        verdict = "pass" if worst >= rule.least else "**fail**"
        lines.append(f"| {rule.standard} | {rule.what} | ≥ {rule.least:.3g} | {worst:g} | {where} | {verdict} |")
    return [*lines, ""]


def report(runs: list[Run]) -> str:
    """Return the whole report."""
    views = list(dict.fromkeys(row["view"] for _o, _m, rows in runs for row in rows))
    head = ["# Accessibility report", "",
            "Written by `make accessibility` (scripts/accessibility.py) from the running kiosk under Xvfb at the",
            "default panel (21.5″, 1080×1920 portrait and 1920×1080 landscape): every size is measured from the",
            "widgets in millimetres of glass (font size for text), contrast from the colours drawn (WCAG 2.x formula),",
            "timeouts from the idle policy the screen runs under (warning after, seconds to answer), and the",
            "prompt is what voice guidance says on entry. A subset runs in `make test`",
            "(tests/kiosk/ui/test_accessibility.py) and fails when a screen falls below a threshold.", "",
            "## Summary", "", *summary(runs), "## Screens", ""]
    return "\n".join(head + [line for view in views for line in screen_table(view, runs)])


def main() -> int:
    """Measure every orientation and mode, write docs/accessibility.md, return 1 when a threshold is missed."""
    server, display = start_xvfb("1920x1920x24")
    try:
        runs = [(o, mode, measure(display, o, modes))
                for o in ("portrait", "landscape") for mode, modes in MODES.items()]
    finally:
        server.terminate()
        server.wait(timeout=10)
    (ROOT / "docs" / "accessibility.md").write_text(report(runs), encoding="utf-8")
    missed = [f"{o} {m}: {f}" for o, m, rows in runs for f in failures(rows, MODES[m])]
    print("\n".join(missed) or "every screen meets every threshold: docs/accessibility.md")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
