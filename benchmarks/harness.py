"""Benchmark harness: subject and baseline measured in the same run, interleaved, with ratios."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

MARK_START = "<!-- benchmarks:start -->"
MARK_END = "<!-- benchmarks:end -->"


@dataclass(frozen=True)
class Case:
    """One comparison: ``subject`` against ``baseline``, each one call = ``ops`` operations."""

    name: str
    subject: Callable[[], object]
    baseline: Callable[[], object]
    subject_label: str
    baseline_label: str
    ops: int = 1
    ratio_range: tuple[float, float] | None = None  # acceptable subject/baseline ratio
    self_check: bool = False  # a failure means the harness itself is wrong


@dataclass(frozen=True)
class LatencyCase:
    """Per-operation latency: ``ops`` timed calls each of subject and baseline, interleaved in blocks.

    The factories build their fixtures (e.g. a fresh database) and return the call to time.
    """

    name: str
    subject: Callable[[], Callable[[], object]]
    baseline: Callable[[], Callable[[], object]]
    subject_label: str
    baseline_label: str
    ops: int = 10_000
    ratio_range: tuple[float, float] | None = None


@dataclass(frozen=True)
class Result:
    """Medians and spreads in microseconds per operation, and the ratio of the medians."""

    name: str
    subject_label: str
    baseline_label: str
    subject_us: float
    subject_spread: float
    baseline_us: float
    baseline_spread: float
    ratio: float
    ratio_range: tuple[float, float] | None
    samples: int
    self_check: bool
    subject_p99_us: float | None = None
    baseline_p99_us: float | None = None
    subject_ops_per_s: float | None = None  # latency cases: calls ÷ total time of those calls
    baseline_ops_per_s: float | None = None
    stages_us: dict[str, float] | None = None  # whole runs: where the subject's time went, µs per op
    facts: dict[str, str] | None = None  # whole runs: other figures measured in the run, in words

    @property
    def within_range(self) -> bool:
        """Return whether the ratio meets its range (always true without one)."""
        low, high = self.ratio_range or (0.0, float("inf"))
        return low <= self.ratio <= high


def _calibrate(func: Callable[[], object], min_seconds: float) -> int:
    """Return how many calls make one sample last at least ``min_seconds``."""
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            func()
        if time.perf_counter() - start >= min_seconds or loops >= 1 << 24:
            return loops
        loops *= 2


def _sample(func: Callable[[], object], loops: int, ops: int) -> float:
    """Return microseconds per operation over ``loops`` calls."""
    start = time.perf_counter()
    for _ in range(loops):
        func()
    return (time.perf_counter() - start) / (loops * ops) * 1e6


def _spread(samples: list[float]) -> float:
    """Return the interquartile range relative to the median, as a fraction."""
    if len(samples) < 4:
        return (max(samples) - min(samples)) / statistics.median(samples)
    q1, _, q3 = statistics.quantiles(samples, n=4)
    return (q3 - q1) / statistics.median(samples)


def run_case(case: Case, repeats: int = 7, min_seconds: float = 0.05) -> Result:
    """Measure a case, alternating subject and baseline samples so drift hits both alike."""
    case.subject()  # warm caches and lazy imports before calibrating
    case.baseline()
    subject_loops = _calibrate(case.subject, min_seconds)
    baseline_loops = _calibrate(case.baseline, min_seconds)
    subject, baseline = [], []
    for _ in range(repeats):
        subject.append(_sample(case.subject, subject_loops, case.ops))
        baseline.append(_sample(case.baseline, baseline_loops, case.ops))
    s_med, b_med = statistics.median(subject), statistics.median(baseline)
    return Result(
        case.name, case.subject_label, case.baseline_label, s_med, _spread(subject), b_med,
        _spread(baseline), s_med / b_med, case.ratio_range, repeats, case.self_check,
    )


def _p99(samples: list[float]) -> float:
    """Return the 99th percentile."""
    return statistics.quantiles(samples, n=100)[98]


def run_latency(case: LatencyCase, ops: int | None = None, block: int = 100) -> Result:
    """Time every call, alternating blocks of subject and baseline calls."""
    count = ops or case.ops
    subject, baseline = case.subject(), case.baseline()
    times: dict[str, list[float]] = {"subject": [], "baseline": []}
    for start in range(0, count, block):
        for label, func in (("subject", subject), ("baseline", baseline)):
            for _ in range(min(block, count - start)):
                began = time.perf_counter()
                func()
                times[label].append((time.perf_counter() - began) * 1e6)
    s_med, b_med = statistics.median(times["subject"]), statistics.median(times["baseline"])
    return Result(
        case.name, case.subject_label, case.baseline_label, s_med, _spread(times["subject"]), b_med,
        _spread(times["baseline"]), s_med / b_med, case.ratio_range, count, False,
        _p99(times["subject"]), _p99(times["baseline"]),
        count / (sum(times["subject"]) / 1e6), count / (sum(times["baseline"]) / 1e6),
    )


@dataclass(frozen=True)
class Run:
    """One whole run: how many operations, how long, and seconds spent per named stage."""

    ops: int
    seconds: float
    stages: dict[str, float]
    facts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunCase:
    """An end-to-end case too big to repeat many times: each side runs once, back to back."""

    name: str
    subject: Callable[[], Run]
    baseline: Callable[[], Run]
    subject_label: str
    baseline_label: str
    ratio_range: tuple[float, float] | None = None


def run_whole(case: RunCase) -> Result:
    """Run the baseline, then the subject; compare time per operation."""
    baseline, subject = case.baseline(), case.subject()
    s_us, b_us = subject.seconds / subject.ops * 1e6, baseline.seconds / baseline.ops * 1e6
    return Result(
        case.name, case.subject_label, case.baseline_label, s_us, 0.0, b_us, 0.0, s_us / b_us, case.ratio_range,
        1, False, None, None, subject.ops / subject.seconds, baseline.ops / baseline.seconds,
        {stage: seconds / subject.ops * 1e6 for stage, seconds in subject.stages.items()},
        subject.facts or None,
    )


def stages(results: list[Result]) -> str:
    """Render the per-stage breakdown and other figures of whole-run results (empty when there are none)."""
    lines = []
    for r in results:
        if r.stages_us:
            parts = ", ".join(f"{name} {us:,.0f}" for name, us in r.stages_us.items())
            lines.append(f"- {r.name}, µs per operation by stage: {parts}")
        lines += [f"- {r.name}: {name}: {value}" for name, value in (r.facts or {}).items()]
    return "\n".join(lines)


def machine() -> dict[str, str]:
    """Describe the machine the run happened on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def table(results: list[Result]) -> str:
    """Render results as a Markdown table."""
    rows = [
        "| benchmark | subject | baseline | subject µs/op | baseline µs/op | ratio "
        "| p99 µs; throughput, subject / baseline | target |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        target = "—"
        if r.ratio_range:
            verdict = "met" if r.within_range else "MISSED"
            target = f"{r.ratio_range[0]:g}–{r.ratio_range[1]:g}× {verdict}"
        rows.append(
            f"| {r.name} | {r.subject_label} | {r.baseline_label} "
            f"| {r.subject_us:,.2f} ±{r.subject_spread:.0%} | {r.baseline_us:,.2f} ±{r.baseline_spread:.0%} "
            f"| {r.ratio:.2f}× | {_p99_cell(r)} | {target} |"
        )
    return "\n".join(rows)


def _p99_cell(result: Result) -> str:
    """Render the p99 column."""
    if result.subject_p99_us is None or result.baseline_p99_us is None:
        if result.subject_ops_per_s and result.baseline_ops_per_s:
            return f"{result.subject_ops_per_s:,.0f} / {result.baseline_ops_per_s:,.0f} per s"
        return "—"
    cell = f"{result.subject_p99_us:,.0f} / {result.baseline_p99_us:,.0f}"
    if result.subject_ops_per_s and result.baseline_ops_per_s:
        cell += f"; {result.subject_ops_per_s:,.0f} / {result.baseline_ops_per_s:,.0f} per s"
    return cell


def report(results: list[Result], docs: Path, readme: Path | None) -> str:
    """Append the run to docs/benchmarks.md and .json, refresh the README table; return it."""
    info = machine()
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    heading = f"Run of {stamp} on {info['cpu']} ({info['cores']} cores), Python {info['python']}"
    rendered = table(results)
    breakdown = stages(results)
    if breakdown:
        rendered += f"\n\n{breakdown}"
    note = (
        "Medians of interleaved samples, ± the interquartile range relative to the median; "
        "ratio = subject ÷ baseline. Latency rows time every call."
    )
    block = f"{heading}\n\n{rendered}\n\n{note}\n"
    md = docs / "benchmarks.md"
    if not md.exists():
        md.write_text("# Benchmark history\n\nWritten by `make bench`; newest run last.\n", encoding="utf-8")
    with md.open("a", encoding="utf-8") as out:
        out.write(f"\n## {block}")
    history_path = docs / "benchmarks.json"
    history = json.loads(history_path.read_text(encoding="utf-8")) if history_path.exists() else []
    history.append({"when": stamp, "machine": info, "results": [asdict(r) for r in results]})
    history_path.write_text(json.dumps(history, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if readme is not None and readme.exists():
        text = readme.read_text(encoding="utf-8")
        start, end = text.find(MARK_START), text.find(MARK_END)
        if 0 <= start < end:
            text = text[: start + len(MARK_START)] + f"\n{block}" + text[end:]
            readme.write_text(text, encoding="utf-8")
    return block
