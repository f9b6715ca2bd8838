"""The accessibility report's criteria: each a threshold on one measure of a screen, for the modes it applies to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.kiosk.ui.contrast import CUE_MIN, TEXT_MIN, TEXT_MIN_HIGH
from tests.kiosk.ui.render_walk import ELDER_MIN

WCAG_TARGET_MM = 24 * 25.4 / 96  # WCAG 2.5.8: 24 CSS pixels (1/96 inch each)
WARNING_ANSWER_S = 20  # WCAG 2.2.1: at least 20 s to extend with one action


@dataclass(frozen=True)
class Rule:
    """One line of the report: a measure that must reach ``least`` (in elder mode or high contrast only when told)."""

    standard: str
    what: str
    measure: str
    least: float
    elder_only: bool = False
    high_only: bool = False


RULES = (
    Rule("MIIT 适老化", "smallest text (mm)", "text_mm", ELDER_MIN["text"], elder_only=True),
    Rule("MIIT 适老化", "line spacing", "line", ELDER_MIN["line"], elder_only=True),
    Rule("MIIT 适老化", "smallest target (mm)", "target_mm", ELDER_MIN["target"], elder_only=True),
    Rule("MIIT 适老化", "smallest gap between targets (mm)", "gap_mm", ELDER_MIN["gap"], elder_only=True),
    Rule("WCAG 2.2 1.4.3", "lowest text contrast (:1)", "text_contrast", TEXT_MIN),
    Rule("WCAG 2.2 1.4.6 (high contrast)", "lowest text contrast (:1)", "text_contrast", TEXT_MIN_HIGH,
         high_only=True),
    Rule("WCAG 2.2 1.4.11", "lowest non-text contrast (:1)", "cue_contrast", CUE_MIN),
    Rule("WCAG 2.2 2.2.1", "seconds the idle warning gives to answer", "answer_s", WARNING_ANSWER_S),
    Rule("WCAG 2.2 2.5.8", "smallest target (mm)", "target_mm", WCAG_TARGET_MM),
    Rule("EN 301 549 §5.1.3", "characters of the spoken prompt", "prompt_chars", 1),
)


def applies(rule: Rule, modes: tuple[str, ...]) -> bool:
    """Return whether the rule holds for a run in these modes ("elder", "high")."""
    return (not rule.elder_only or "elder" in modes) and (not rule.high_only or "high" in modes)


def value(row: dict[str, Any], measure: str) -> float:
    """Return one measure of a screen's row."""
    return float(len(row["prompt"])) if measure == "prompt_chars" else float(row[measure])


def failures(rows: list[dict[str, Any]], modes: tuple[str, ...]) -> list[str]:
    """Return each screen and rule where a measure falls below its threshold."""
    return [f"{row['view']} [{row['lang']}] {rule.standard} {rule.what}: {value(row, rule.measure):g} < {rule.least:g}"
            for row in rows for rule in RULES if applies(rule, modes) and value(row, rule.measure) < rule.least]
