"""Elder mode: the tap on 长辈模式 → the screen on view drawn at the new sizes (target p99 < 200 ms), under Xvfb.

A probe process builds the kiosk (simulated devices, the sample catalog) on the home screen, warms it
as a kiosk that has been up a while is (input engines and speech's pinyin loaded, a few taps done), and
alternates, ROUNDS times, the subject — elder mode turned on or off: the bars and the screen on view
are restyled, the other screens take the theme when they are next shown — with the baseline — the
same screen drawn once more with nothing changed (a forced redraw: what any frame costs on this
machine at that moment; its OpenGL is Mesa's software renderer). Both are measured in the same run,
one after the other, so both meet the same load, though not alike (the tap is mostly Python and text
rendering, the redraw mostly the renderer): the report gives each one's median and p99, their ratio,
the kiosk process's CPU time per tap (the work a tap costs: all threads, and the UI thread's share)
and the load average before and after. Each is timed as the citizen waits: from the tap to the end
of the last frame that drew (the frames are counted), split into its phases: the restyle in Python
(kv rules following the theme, the screen refilled), the clock's layout and text rendering, and the
draw and buffer flip. After each toggle the probe also enters another screen (查询进度) and times it
until its frame is drawn, against entering it with no change of mode: the restyle it was spared at
the tap is paid there.
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
ROUNDS = int(os.environ.get("YC_ELDER_ROUNDS", "100"))
TARGET_MS = 200
PHASES = ("restyle", "layout and text", "draw and flip")
_results: dict[str, Any] = {}


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
    """Return the seconds of each phase from ``action()`` to the end of the last frame that drew, then the CPU time."""
    cpu, ui, began = time.process_time(), time.thread_time(), time.perf_counter()
    action()
    phases = [time.perf_counter() - began, 0.0, 0.0]
    for _ in range(5):
        frame = [0.0, 0.0, 0.0]
        if not _frame(frame) and phases[2] > 0:
            break  # nothing left to draw: the screen was settled by the frame before
        phases = [a + b for a, b in zip(phases, frame, strict=True)]
        frames[0] += 1
    return [*phases, time.process_time() - cpu, time.thread_time() - ui]  # all threads (the renderer's too), UI


def _visit(app: Any) -> float:
    """Return the seconds from entering the progress query to its frame drawn (then go home again)."""
    entered = _settled(lambda: app.go("progress"), [0])
    _settled(lambda: app.go("home"), [0])
    return sum(entered[:3])


def _warmed() -> Any:
    """Return the kiosk built on home as it runs once it is up: input engines and speech's pinyin loaded, a tap done."""
    import kiosk.ui.app  # noqa: PLC0415
    from benchmarks.kiosk_probe import _build  # noqa: PLC0415
    from l10n import speakable  # noqa: PLC0415

    kiosk.ui.app.WARM_INPUTS_AFTER_S = 3600.0  # loaded here, not on a thread beside the taps timed
    app = _build()[0]
    app.kiosk.writing.warm()
    speakable.warm()  # elder mode turns voice guidance on: its first prompt would load pypinyin
    kiosk.ui.app.settle_gc()
    for _ in range(2):  # fonts and textures at both sizes, as after the first citizens
        _settled(app.toggle_elder, [0])
        _visit(app)
    return app


def probe() -> dict[str, Any]:
    """Build the kiosk on home; time elder mode toggled against a redraw, and entering a screen after each."""
    from kivy.base import EventLoop  # noqa: PLC0415

    app = _warmed()
    frames = [0]  # frames drawn after the toggles
    elder, redraw, entered, entered_plain = [], [], [], []
    load = os.getloadavg()[0]
    for _ in range(ROUNDS):
        elder.append(_settled(app.toggle_elder, frames))
        entered.append(_visit(app))
        redraw.append(_settled(EventLoop.window.canvas.ask_update, [0]))
        entered_plain.append(_visit(app))
    if app.elder:
        app.toggle_elder()
    return {"elder": elder, "plain": redraw, "entered": entered, "entered_plain": entered_plain,
            "frames": frames[0], "load": [load, os.getloadavg()[0]], "cores": os.cpu_count()}


def _measure() -> None:
    """Run the probe once per benchmark run, in its own process and display."""
    if _results:
        return
    server, display = start_xvfb()
    env = {**os.environ, "DISPLAY": display, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
           "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-bench-")}
    try:
        done = subprocess.run([sys.executable, "-m", "benchmarks.bench_elder"],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=900)
        _results.update(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        server.terminate()
        server.wait(timeout=10)


def _p99(seconds: list[float]) -> float:
    """Return the 99th percentile of ``seconds`` in milliseconds."""
    return statistics.quantiles(seconds, n=100, method="inclusive")[98] * 1000


def _spread(seconds: list[float]) -> str:
    """Return the median and p99 of ``seconds`` in milliseconds, in words."""
    return f"median {statistics.median(seconds) * 1000:.0f} ms, p99 {_p99(seconds):.0f} ms"


def _walls(kind: str) -> list[float]:
    """Return each tap's (or redraw's) seconds until its frame was drawn."""
    return [sum(row[:3]) for row in _results[kind]]


def _facts() -> dict[str, str]:
    """Return the subject against the baseline of the same run, in words: medians, p99s, ratios, CPU time, load."""
    taps, redraws = _walls("elder"), _walls("plain")
    verdict = "met" if _p99(taps) < TARGET_MS else "MISSED"
    ratio = statistics.median(taps) / statistics.median(redraws)
    cpu = {(kind, n): statistics.median(row[n] for row in _results[kind]) * 1000
           for kind in ("elder", "plain") for n in (3, 4)}
    phases = ", ".join(f"{name} {statistics.median(row[n] for row in _results['elder']) * 1000:.0f}"
                       for n, name in enumerate(PHASES))
    before, after = _results["load"]
    return {
        "elder mode on/off → the screen on view drawn at the new sizes":
            f"{_spread(taps)} over {len(taps)} taps (target p99 < {TARGET_MS} ms: {verdict}); median ms by phase: "
            f"{phases}; {_results['frames']} frames drawn for {len(taps)} taps",
        "the baseline in the same run, alternating with the taps": f"the same screen redrawn with nothing changed: "
            f"{_spread(redraws)}; ratio {ratio:.2f}× at the median, {_p99(taps) / _p99(redraws):.2f}× at p99",
        "the kiosk process's CPU time (the work, whatever else runs)":
            f"median {cpu['elder', 3]:.0f} ms a toggle ({cpu['elder', 4]:.0f} ms of it on the UI thread), "
            f"{cpu['plain', 3]:.0f} ms a redraw ({cpu['plain', 4]:.0f} ms): the rest is Mesa's renderer's threads",
        "the machine during the run":
            f"load average (1 min) {before:.1f} at the start, {after:.1f} at the end, on {_results['cores']} cores",
        "then entering another screen (查询进度) until drawn":
            f"{_spread(_results['entered'])}; with no change of mode before it: {_spread(_results['entered_plain'])}",
    }


def _run(kind: str) -> Run:
    """Return one kind's taps as a whole run (ops = taps); the subject with its phases and the facts of the run."""
    _measure()
    walls = _walls(kind)
    if kind != "elder":
        return Run(len(walls), sum(walls), {})
    stages = {name: sum(row[n] for row in _results[kind]) for n, name in enumerate(PHASES)}
    return Run(len(walls), sum(walls), stages, _facts())


def cases() -> list[RunCase]:
    """Return the elder-mode case."""
    return [RunCase("elder mode re-layout", lambda: _run("elder"), lambda: _run("plain"),
                    "elder mode toggled: the screen on view restyled", "the same screen drawn again, nothing changed")]


if __name__ == "__main__":
    print(json.dumps(probe()))
