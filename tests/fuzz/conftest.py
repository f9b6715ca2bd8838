"""The fuzz tier's report: how many inputs each parser got, and the total."""

from __future__ import annotations

import pytest

from tests.fuzz.budget import COUNTS, TOTAL


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder `fuzz` (`make fuzz` runs them with the long budget)."""
    for item in items:
        if "tests/fuzz/" in item.nodeid:
            item.add_marker(pytest.mark.fuzz)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the inputs per parser and in all."""
    if not COUNTS:
        return
    tier = f"long tier, budget {TOTAL:,}" if TOTAL else "short run"
    terminalreporter.section(f"fuzz inputs per parser ({tier})")
    for name, count in sorted(COUNTS.items()):
        terminalreporter.write_line(f"{name:<28} {count:>10,}")
    terminalreporter.write_line(f"{'total':<28} {sum(COUNTS.values()):>10,}")
