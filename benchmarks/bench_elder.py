"""Elder mode: the tap on 长辈模式 → every screen laid out again at the larger sizes (target < 200 ms), under Xvfb.

A probe process builds the kiosk (simulated devices, the sample catalog) on the home screen and
alternates, ROUNDS times, the subject — elder mode turned on or off, so every screen's sizes change
— with the baseline — the same screen drawn once more with nothing changed (a forced redraw: what any
frame costs on this machine, whose OpenGL is Mesa's software renderer). Each is timed until the frames
after it have run (every screen's layout settled), and the subject is split into its phases: the
restyle in Python (kv rules following the theme, the screen refilled), the clock's layout and text
rendering, and the draw and buffer flip.
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
PHASES = ("restyle", "layout and text", "draw and flip")
_results: dict[str, list[Any]] = {}


def _frame(phases: list[float]) -> None:
    """Run one frame as Kivy's event loop does, adding its layout and drawing times to ``phases``."""
    from kivy.base import EventLoop  # noqa: PLC0415
    from kivy.clock import Clock  # noqa: PLC0415
    from kivy.lang import Builder  # noqa: PLC0415

    began = time.perf_counter()
    Clock.tick()
    EventLoop.dispatch_input()
    Builder.sync()
    Clock.tick_draw()
    Builder.sync()
    laid_out = time.perf_counter()
    window = EventLoop.window
    if window is not None and window.canvas.needs_redraw:
        window.dispatch("on_draw")
        window.dispatch("on_flip")
    phases[1] += laid_out - began
    phases[2] += time.perf_counter() - laid_out


def _settled(action: Any) -> list[float]:
    """Return the seconds of each phase from ``action()`` until two frames have run after it."""
    began = time.perf_counter()
    action()
    phases = [time.perf_counter() - began, 0.0, 0.0]
    _frame(phases)
    _frame(phases)
    return phases


def probe() -> dict[str, list[list[float]]]:
    """Build the kiosk on home and time elder mode toggled against a redraw of the same screen."""
    from kivy.base import EventLoop  # noqa: PLC0415

    from benchmarks.kiosk_probe import _build  # noqa: PLC0415

    app = _build()[0]
    elder, redraw = [], []
    for _ in range(ROUNDS):
        elder.append(_settled(app.toggle_elder))
        redraw.append(_settled(EventLoop.window.canvas.ask_update))
    if app.elder:
        app.toggle_elder()
    return {"elder": elder, "plain": redraw}


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
    """Return one kind's re-layouts as a whole run (ops = taps), the subject with its phases."""
    _measure()
    rows = _results[kind]
    times = sorted(sum(row) for row in rows)
    facts = {}
    if kind == "elder":
        p99 = times[min(len(times) - 1, round(0.99 * len(times)))] * 1000
        phases = ", ".join(f"{name} {statistics.median(row[n] for row in rows) * 1000:.0f}"
                           for n, name in enumerate(PHASES))
        facts = {"elder mode on/off → every screen laid out": f"median {statistics.median(times) * 1000:.0f} ms, "
                 f"p99 {p99:.0f} ms over {len(times)} taps (target < {TARGET_MS} ms); median ms by phase: {phases}"}
    return Run(len(times), sum(times), {}, facts)


def cases() -> list[RunCase]:
    """Return the elder-mode case."""
    return [RunCase("elder mode re-layout", lambda: _run("elder"), lambda: _run("plain"),
                    "elder mode toggled: every screen at new sizes", "the same screen drawn again, nothing changed")]


if __name__ == "__main__":
    print(json.dumps(probe()))
