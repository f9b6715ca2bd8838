"""The harness's own self-check: twice the work must measure about twice the time."""

from __future__ import annotations

from benchmarks.harness import Case

WORK = 20_000


def _work(n: int) -> int:
    """Do a fixed amount of pure-Python arithmetic."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def cases() -> list[Case]:
    """Return the self-check case."""
    return [
        Case(
            name="harness self-check",
            subject=lambda: _work(2 * WORK),
            baseline=lambda: _work(WORK),
            subject_label=f"loop of {2 * WORK}",
            baseline_label=f"loop of {WORK}",
            ratio_range=(1.7, 2.3),
            self_check=True,
        )
    ]
