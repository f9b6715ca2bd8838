"""Elder mode: the tap on 长辈模式 → every screen laid out again at the larger sizes (target < 200 ms), under Xvfb.

A probe process builds the kiosk (simulated devices, the sample catalog) on the home screen and
alternates, ROUNDS times, the subject — elder mode turned on or off, so every screen's sizes change
— with the baseline — the same screen drawn once more with nothing changed (a forced redraw: what any
frame costs on this machine, whose OpenGL is Mesa's software renderer). Each is timed as the citizen
waits: from the tap to the end of the last frame that drew (the visible screen laid out and drawn:
usually the next frame; the frames are counted and reported), split into its phases: the restyle in Python
(kv rules following the theme, the screen refilled), the clock's layout and text rendering, and the
draw and buffer flip. After each toggle the probe also enters another screen (查询进度) and times it
until its frame is drawn, against entering it with no change of mode before: what a screen left to
restyle later would cost the citizen then.
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


def _frame(phases: list[float]) -> bool:
    """Run one frame as Kivy's event loop does, adding its layout and drawing times to ``phases``; say if it drew."""
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
    drew = window is not None and window.canvas.needs_redraw
    if drew:
        window.dispatch("on_draw")
        window.dispatch("on_flip")
    phases[1] += laid_out - began
    phases[2] += time.perf_counter() - laid_out
    return bool(drew)


def _settled(action: Any, frames: list[int]) -> list[float]:
    """Return the seconds of each phase from ``action()`` to the end of the last frame that drew (at most five)."""
    began = time.perf_counter()
    action()
    phases = [time.perf_counter() - began, 0.0, 0.0]
    for _ in range(5):
        frame = [0.0, 0.0, 0.0]
        if not _frame(frame) and phases[2] > 0:
            break  # nothing left to draw: the screen was settled by the frame before
        phases = [a + b for a, b in zip(phases, frame, strict=True)]
        frames[0] += 1
    return phases


def _visit(app: Any) -> float:
    """Return the seconds from entering the progress query to its frame drawn (then go home again)."""
    entered = sum(_settled(lambda: app.go("progress"), [0]))
    _settled(lambda: app.go("home"), [0])
    return entered


def probe() -> dict[str, Any]:
    """Build the kiosk on home; time elder mode toggled against a redraw, and entering a screen after each."""
    from kivy.base import EventLoop  # noqa: PLC0415

    from benchmarks.kiosk_probe import _build  # noqa: PLC0415

    app = _build()[0]
    frames = [0]  # frames drawn after the toggles
    elder, redraw, entered, entered_plain = [], [], [], []
    for _ in range(ROUNDS):
        elder.append(_settled(app.toggle_elder, frames))
        entered.append(_visit(app))
        redraw.append(_settled(EventLoop.window.canvas.ask_update, [0]))
        entered_plain.append(_visit(app))
    if app.elder:
        app.toggle_elder()
    return {"elder": elder, "plain": redraw, "entered": entered, "entered_plain": entered_plain,
            "frames": frames[0]}


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


def _spread(seconds: list[float]) -> str:
    """Return the median and p99 of ``seconds`` in milliseconds, in words."""
    times = sorted(seconds)
    p99 = times[min(len(times) - 1, round(0.99 * len(times)))] * 1000
    return f"median {statistics.median(times) * 1000:.0f} ms, p99 {p99:.0f} ms"


def _run(kind: str) -> Run:
    """Return one kind's re-layouts as a whole run (ops = taps), the subject with its phases."""
    _measure()
    rows = _results[kind]
    times = [sum(row) for row in rows]
    facts = {}
    if kind == "elder":
        phases = ", ".join(f"{name} {statistics.median(row[n] for row in rows) * 1000:.0f}"
                           for n, name in enumerate(PHASES))
        facts = {"elder mode on/off → the next frame of the screen on view": f"{_spread(times)} over {len(times)} "
                 f"taps (target < {TARGET_MS} ms; until the last frame that drew: {_results['frames']} frames for "
                 f"{len(times)} taps); median ms by phase: {phases}",
                 "then entering another screen (查询进度) until drawn": f"{_spread(_results['entered'])}; "
                 f"with no change of mode before it: {_spread(_results['entered_plain'])}"}
    return Run(len(times), sum(times), {}, facts)


def cases() -> list[RunCase]:
    """Return the elder-mode case."""
    return [RunCase("elder mode re-layout", lambda: _run("elder"), lambda: _run("plain"),
                    "elder mode toggled: every screen at new sizes", "the same screen drawn again, nothing changed")]


if __name__ == "__main__":
    print(json.dumps(probe()))
