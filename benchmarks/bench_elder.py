"""Elder mode: the tap on 长辈模式 → every screen laid out again at the larger sizes (target < 200 ms), under Xvfb.

A probe process builds the kiosk (simulated devices, the sample catalog) on the home screen and
alternates, ROUNDS times, the subject — elder mode turned on or off, so every screen's sizes change
— with the baseline — the same theme applied again without a change of scale, the layout pass every
restyle costs. Each is timed until the frames after it have run (every screen's layout settled).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Run, RunCase
from kiosk.ui.display import start_xvfb

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("YC_ELDER_ROUNDS", "40"))
TARGET_MS = 200
_results: dict[str, list[float]] = {}


def _settled(action: Any) -> float:
    """Return the seconds from ``action()`` until two frames have run after it."""
    from kivy.base import EventLoop  # noqa: PLC0415

    began = time.perf_counter()
    action()
    EventLoop.idle()
    EventLoop.idle()
    return time.perf_counter() - began


def probe() -> dict[str, list[float]]:
    """Build the kiosk on home and time elder mode toggled against a restyle without a change of scale."""
    from benchmarks.kiosk_probe import _build  # noqa: PLC0415

    app = _build()[0]
    elder, plain = [], []
    for _ in range(ROUNDS):
        elder.append(_settled(app.toggle_elder))
        plain.append(_settled(lambda: setattr(app, "theme", app.theme.moded(elder=app.elder,
                                                                            high_contrast=app.high_contrast))))
    if app.elder:
        app.toggle_elder()
    return {"elder": elder, "plain": plain}


def _measure() -> None:
    """Run the probe once per benchmark run, in its own process and display."""
    if _results:
        return
    server, display = start_xvfb()
    env = {**os.environ, "DISPLAY": display, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
           "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-bench-")}
    try:
        done = subprocess.run([sys.executable, "-m", "benchmarks.bench_elder"],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=600)
        _results.update(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        server.terminate()
        server.wait(timeout=10)


def _run(kind: str) -> Run:
    """Return one kind's re-layouts as a whole run (ops = taps)."""
    _measure()
    times = sorted(_results[kind])
    facts = {}
    if kind == "elder":
        p99 = times[min(len(times) - 1, round(0.99 * len(times)))] * 1000
        facts = {"elder mode on/off → every screen laid out": f"median {statistics.median(times) * 1000:.0f} ms, "
                 f"p99 {p99:.0f} ms over {len(times)} taps (target < {TARGET_MS} ms)"}
    return Run(len(times), sum(times), {}, facts)


def cases() -> list[RunCase]:
    """Return the elder-mode case."""
    return [RunCase("elder mode re-layout", lambda: _run("elder"), lambda: _run("plain"),
                    "elder mode toggled: every screen at new sizes", "same theme applied again: layout only")]


if __name__ == "__main__":
    print(json.dumps(probe()))
