"""Load the pinyin index (or the plain dict) in this fresh process, type every sequence, print timings and memory.

``python -m benchmarks.pinyin_probe index|dict INDEX FOLDER``: FOLDER holds typing.json (the
sequences and the boosted words) and plain.pickle (the dict). Times and memory (VmRSS growth) are
measured from before the load: after the import, the open, the Composer (the load), and the typing,
which touches every part of the index a citizen's typing would.
"""

from __future__ import annotations

import json
import pickle
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

PAGE = 8


def _rss_mib() -> float:
    """Return this process's resident memory in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _load_index(path: Path, boost: list[str], marks: dict[str, float]) -> Callable[[str, bool], object]:
    """Import the engine, open the index, make a boosted Composer (marking time and memory); return one keystroke."""
    from l10n.pinyin import Composer, PinyinIndex  # noqa: PLC0415 - its import is part of the load

    _mark(marks, "imported")
    index = PinyinIndex.open(path)
    _mark(marks, "opened")
    composer = Composer(index, boost)

    def keystroke(letter: str, first: bool) -> object:
        if first:
            composer.clear()
        composer.press(letter)
        return composer.candidates(0, PAGE)

    return keystroke


def _mark(marks: dict[str, float], stage: str) -> None:
    """Record the time and resident memory at ``stage``."""
    marks[f"{stage}_s"] = time.perf_counter()
    marks[f"{stage}_mib"] = _rss_mib()


def _load_dict(folder: Path) -> Callable[[str, bool], object]:
    """Unpickle the plain dict; return one keystroke against it."""
    with (folder / "plain.pickle").open("rb") as source:
        plain: dict[str, list[str]] = pickle.load(source)  # noqa: S301 - written by the benchmark a moment ago
    typed = [""]

    def keystroke(letter: str, first: bool) -> object:
        typed[0] = letter if first else typed[0] + letter
        return plain.get(typed[0], [])[:PAGE]

    return keystroke


def main() -> None:
    """Measure one load and the typing; print JSON."""
    mode, index, folder = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    typing = json.loads((folder / "typing.json").read_text(encoding="utf-8"))
    strokes = [(letter, at == 0) for sequence in typing["sequences"] for at, letter in enumerate(sequence)]
    marks: dict[str, float] = {}
    _mark(marks, "start")
    keystroke = _load_index(index, typing["boost"], marks) if mode == "index" else _load_dict(folder)
    _mark(marks, "loaded")
    times = []
    for letter, first in strokes:
        began = time.perf_counter()
        keystroke(letter, first)
        times.append((time.perf_counter() - began) * 1000)
    _mark(marks, "typed")
    report = {f"{stage}_{unit}": marks.get(f"{stage}_{unit}", marks[f"start_{unit}"]) - marks[f"start_{unit}"]
              for stage in ("imported", "opened", "loaded", "typed") for unit in ("s", "mib")}
    print(json.dumps({**report, "p50_ms": statistics.median(times), "p99_ms": statistics.quantiles(times, n=100)[98],
                      "max_ms": max(times), "keystrokes": len(times)}))


if __name__ == "__main__":
    main()
