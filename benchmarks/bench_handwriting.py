"""Handwriting: a stroke → candidates with the re-ranking recogniser the kiosk uses, and with Zinnia alone.

Each call recognises one more stroke of one of the 100 test characters as a finger draws them
(tests/drivers/handwriting), in writing order, so the samples are what a citizen's strokes cost;
the target is p99 < 100 ms. The first case is the kiosk's recogniser (Zinnia's candidates re-ranked
by shape, drivers/handwriting/rerank.py) beside ZinniaRecognizer alone, so the ratio is the shape
score's share. The second is ZinniaRecognizer beside Zinnia's own classify on the ink it prepared
(character filled, classified, results read): the wrapper's share, cleaning, placing and reducing
the strokes, and the lock. A third loads each engine in fresh processes beside reading Zinnia's
model file, and reports the resident memory it adds (the budget for the handwriting and pinyin
engines together is 60 MB).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from itertools import cycle
from pathlib import Path

from benchmarks.harness import LatencyCase, Run, RunCase
from drivers.handwriting.ink import BOX, prepare
from drivers.handwriting.rerank import RerankingRecognizer
from drivers.handwriting.zinnia import MODEL, ZinniaRecognizer, classify, load_library
from tests.drivers.handwriting.fingers import PAD, Stroke, draw, medians

ROOT = Path(__file__).resolve().parent.parent
LOADS = 3  # fresh processes of each kind


@cache
def _prefixes() -> list[list[Stroke]]:
    """Return every character's strokes so far, after each stroke, character after character."""
    return [strokes[:count] for char in medians() for strokes in [draw(char)] for count in range(1, len(strokes) + 1)]


def rerank() -> Callable[[], object]:
    """The kiosk's recogniser, Zinnia re-ranked by shape: one more stroke per call."""
    recognizer = RerankingRecognizer()
    prefixes = cycle(_prefixes())
    return lambda: recognizer.recognize(next(prefixes), PAD, PAD)


def recognise() -> Callable[[], object]:
    """Zinnia's recogniser alone: one more stroke per call."""
    recognizer = ZinniaRecognizer()
    prefixes = cycle(_prefixes())
    return lambda: recognizer.recognize(next(prefixes), PAD, PAD)


def classify_alone() -> Callable[[], object]:
    """Zinnia alone, through the same library calls, on the ink prepared beforehand."""
    library = load_library()
    recognizer = library.zinnia_recognizer_new()
    if not library.zinnia_recognizer_open(recognizer, bytes(MODEL)):
        raise RuntimeError(f"Zinnia cannot open {MODEL}")
    character = library.zinnia_character_new()
    inks = cycle([prepare(prefix, PAD, PAD) for prefix in _prefixes()])

    def call() -> object:
        library.zinnia_character_clear(character)
        library.zinnia_character_set_width(character, BOX)
        library.zinnia_character_set_height(character, BOX)
        for number, stroke in enumerate(next(inks)):
            for x, y in stroke:
                library.zinnia_character_add(character, number, x, y)
        return classify(library, recognizer, character, 10)

    return call


@cache
def _loads(mode: str) -> list[dict[str, float]]:
    """Return LOADS fresh processes' measurements of one kind of load."""
    runs = []
    for _ in range(LOADS):
        done = subprocess.run([sys.executable, "-m", "benchmarks.handwriting_probe", mode],  # noqa: S603
                              cwd=ROOT, capture_output=True, text=True, check=True, timeout=120)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return runs


def _mib(mode: str) -> str:
    """Return the median resident memory one kind of load added, in words."""
    runs = _loads(mode)

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs) / 1024

    return f"{median('rss'):.1f} MiB ({median('anon'):.1f} MiB anonymous, {median('file'):.1f} MiB file-backed)"


def _load_run(mode: str) -> Run:
    """Return one kind of load as a whole run (ops = processes); the engine's carries the memory figures."""
    runs = _loads(mode)
    facts = {}
    if mode == "rerank":
        facts = {f"resident memory added, median of {LOADS} fresh processes": f"Zinnia re-ranked by shape (its model "
                 f"and the shape atlas) {_mib('rerank')}; Zinnia and its model {_mib('zinnia')}; the model file read "
                 f"into memory {_mib('read')}",
                 "model file": f"{MODEL.stat().st_size / 2**20:.1f} MiB; budget: 60 MB for handwriting and pinyin"}
    return Run(len(runs), sum(run["seconds"] for run in runs), {}, facts)


def cases() -> list[LatencyCase | RunCase]:
    """Return the handwriting cases."""
    return [
        LatencyCase(
            name="handwriting: stroke → candidates, re-ranked",
            subject=rerank, baseline=recognise,
            subject_label="RerankingRecognizer.recognize (the kiosk's), one more stroke of 100 characters "
                          "(target p99 < 100 ms)",
            baseline_label="ZinniaRecognizer.recognize alone on the same strokes",
            ops=2 * len(_prefixes()),
        ),
        LatencyCase(
            name="handwriting: stroke → candidates",
            subject=recognise, baseline=classify_alone,
            subject_label="ZinniaRecognizer.recognize, one more stroke of 100 characters (target p99 < 100 ms)",
            baseline_label="Zinnia's classify alone on the same prepared ink",
            ops=2 * len(_prefixes()),
        ),
        RunCase("handwriting engine load, fresh process", lambda: _load_run("rerank"), lambda: _load_run("read"),
                "RerankingRecognizer(): library, model, shape atlas, one recognition",
                "read the model file into memory"),
    ]
