"""Kiosk UI: cold start to the home screen against an empty Kivy app's cold start, in the same run, under Xvfb.

Each start is a fresh process (interpreter, imports, window, first frame), RUNS times each,
alternating; the kiosk's store and devices open after home's first frame, as in `kiosk run`,
and the time until they are open (ready) is reported beside it. The kiosk runs also time the
card confirmed → form drawn and the submit tap → first bytes at the printer emulator (the
application is stored before printing starts).
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

from benchmarks.harness import Run, RunCase
from benchmarks.kiosk_probe import STORE_FOLDER
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from kiosk.ui.display import start_xvfb

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("YC_KIOSK_RUNS", "5"))
_results: dict[str, list[dict[str, float]]] = {"kiosk": [], "empty": []}


def _provisioned_store() -> str:
    """Create the terminal's store once, as `yichuang store init` does at installation; the starts open it."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-store-"))
    open_store(folder / "store.db", KeyFileProvider(folder / "store.key")).close()
    return str(folder)


def _measure() -> None:
    """Run both kinds of cold start alternately, once per benchmark run."""
    if _results["kiosk"]:
        return
    server, display = start_xvfb()
    env = {**os.environ, "DISPLAY": display, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
           "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-bench-"), STORE_FOLDER: _provisioned_store()}
    try:
        for _ in range(RUNS):
            for mode in ("empty", "kiosk"):
                done = subprocess.run([sys.executable, "-m", "benchmarks.kiosk_probe", mode, repr(time.time())],  # noqa: S603
                                      cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=300)
                _results[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        server.terminate()
        server.wait(timeout=10)


def _run(mode: str) -> Run:
    """Return one kind's cold starts as a whole run (ops = starts)."""
    _measure()
    starts = [r["start"] for r in _results[mode]]
    facts = {}
    if mode == "kiosk":
        def ms(key: str) -> str:
            values = [r[key] * 1000 for r in _results[mode]]
            return f"median {statistics.median(values):.0f} ms, worst {max(values):.0f} ms over {len(values)} runs"
        facts = {"ID card confirmed → form drawn": ms("card_to_form"),
                 "submit tap → printing started (stored first)": ms("submit_to_print"),
                 "cold start to home, median": f"{statistics.median(starts) * 1000:.0f} ms",
                 "cold start to ready (store and devices open after home is drawn), median":
                     f"{_median_ms('ready')} ms; the journey's screens all made: {_median_ms('screens')} ms",
                 **_typing_facts()}
    return Run(len(starts), sum(starts), {}, facts)


def _median_ms(key: str) -> str:
    """Return the median of one time of the kiosk runs, in whole ms."""
    return f"{statistics.median(r[key] for r in _results['kiosk']) * 1000:.0f}"


def _percentiles(key: str) -> tuple[float, float, int]:
    """Return the p50 and p99 in ms of one kind of keystroke over every kiosk run, and how many there were."""
    times = sorted(t * 1000 for r in _results["kiosk"] for t in r[key])
    return statistics.median(times), times[min(len(times) - 1, round(0.99 * len(times)))], len(times)


def _typing_facts() -> dict[str, str]:
    """Summarise the keystrokes and the engines' memory over every kiosk run."""
    (p50, p99, count), (base50, base99, _) = _percentiles("keystrokes"), _percentiles("digits")
    grown = max(r["engines_mib"] for r in _results["kiosk"])
    return {
        "pinyin keystroke → candidates drawn on the bar (frame included)": f"p50 {p50:.1f} ms, p99 {p99:.1f} ms over "
        f"{count} keystrokes; beside a digit on a keypad → its frame: p50 {base50:.1f} ms, p99 {base99:.1f} ms "
        f"(this machine draws with software OpenGL)",
        "input engines loaded (pinyin index, handwriting model)": f"+{grown:.0f} MiB resident at most; "
        f"target ≤ 60 MiB {'met' if grown <= 60 else 'MISSED'}",
    }


def cases() -> list[RunCase]:
    """Return the kiosk case."""
    return [RunCase("kiosk cold start to home", lambda: _run("kiosk"), lambda: _run("empty"),
                    "kiosk app: catalog, home's first frame (store, devices, other screens after it)",
                    "empty Kivy app, first frame")]
