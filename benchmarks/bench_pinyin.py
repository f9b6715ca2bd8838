"""Pinyin input: a keystroke → the first page of candidates, and the index's load time and memory in a fresh process.

The typing covers the whole dictionary: 2,000 entries sampled evenly by frequency rank, from 的
down to characters jieba never saw, each typed letter by letter in full pinyin, and the words of
two or more syllables once more by their initials. One keystroke is ``Composer.press`` and the
first page of 8 candidates, in a Composer boosted with the sample catalog's words as a kiosk's
would be. The baseline is the same keystrokes against a plain dict from complete pinyin to words
(no abbreviations, no partial syllables, no segmentation). The fresh-process case compares
opening the index file with unpickling that dict, the obvious alternative: time and resident memory.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from benchmarks.harness import LatencyCase, Run, RunCase
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from l10n.pinyin import BUSINESS_WORDS, Composer, PinyinIndex, ensure_index, words_in
from l10n.pinyin.tables import Tables

ROOT = Path(__file__).resolve().parent.parent
WORDS = 2000
PAGE = 8
KEYSTROKES = 22_000  # about every keystroke of the typing once (they repeat if there are fewer)
P99_TARGET_MS = 30.0
RSS_BUDGET_MIB = 35
RUNS = 3


@cache
def _index_path() -> Path:
    """Return the index file (built by scripts/bootstrap.sh; built here if it is missing)."""
    return ensure_index()


@cache
def _typing() -> tuple[list[str], list[str]]:
    """Return the sequences typed (full pinyin, then initials of longer words) and the catalog's boosted words."""
    tables = Tables(_index_path())
    try:
        by_rank = sorted(range(tables.size), key=lambda entry: -tables.freqs[entry])
        step = len(by_rank) / WORDS
        spelled, initials = [], []
        for number in range(WORDS):
            entry = by_rank[int(number * step)]
            syllables = tables.reading(entry)
            spelled.append("".join(syllables))
            if len(syllables) > 1:
                initials.append("".join(syllable[0] for syllable in syllables))
    finally:
        tables.close()
    catalog = load_catalog(SAMPLE_CATALOG)
    texts = [item.name.zh for item in catalog.items.values()] + [hall.name.zh for hall in catalog.halls.values()]
    texts += [hall.address.zh for hall in catalog.halls.values()]
    with PinyinIndex.open(_index_path()) as index:
        boosted = sorted(words_in(texts, index) | BUSINESS_WORDS)
    return spelled + initials, boosted


def _keystrokes() -> list[tuple[str, bool]]:
    """Return every keystroke in order: the letter, and whether it starts a new word."""
    return [(letter, at == 0) for sequence in _typing()[0] for at, letter in enumerate(sequence)]


@cache
def _plain_dict() -> dict[str, list[str]]:
    """Return the baseline: complete pinyin → the index's texts with that reading, most frequent first."""
    tables = Tables(_index_path())
    try:
        plain: dict[str, list[str]] = {}
        for entry in range(tables.size):
            plain.setdefault("".join(tables.reading(entry)), []).append(tables.text(entry))
    finally:
        tables.close()
    return plain


def _composer_keystroke() -> Callable[[], object]:
    """Return one keystroke at a time through a boosted Composer (a new word clears the letters first)."""
    composer = Composer(PinyinIndex.open(_index_path()), _typing()[1])
    strokes, at = _keystrokes(), [0]

    def keystroke() -> object:
        letter, first = strokes[at[0] % len(strokes)]
        at[0] += 1
        if first:
            composer.clear()
        composer.press(letter)
        return composer.candidates(0, PAGE)

    return keystroke


def _dict_keystroke() -> Callable[[], object]:
    """Return one keystroke at a time against the plain dict."""
    plain, strokes, at, typed = _plain_dict(), _keystrokes(), [0], [""]

    def keystroke() -> object:
        letter, first = strokes[at[0] % len(strokes)]
        at[0] += 1
        typed[0] = letter if first else typed[0] + letter
        return plain.get(typed[0], [])[:PAGE]

    return keystroke


@cache
def _fresh(mode: str) -> list[dict[str, float]]:
    """Run the probe RUNS times in fresh processes; return what each reported."""
    folder = Path(tempfile.mkdtemp(prefix="yc-bench-pinyin-"))
    sequences, boosted = _typing()
    (folder / "typing.json").write_text(json.dumps({"sequences": sequences, "boost": boosted}), encoding="utf-8")
    with (folder / "plain.pickle").open("wb") as out:
        pickle.dump(_plain_dict(), out, protocol=pickle.HIGHEST_PROTOCOL)
    command = [sys.executable, "-m", "benchmarks.pinyin_probe", mode, str(_index_path()), str(folder)]
    return [json.loads(subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True,  # noqa: S603
                                      timeout=600).stdout) for _ in range(RUNS)]


def _run(mode: str) -> Run:
    """Return one mode's fresh-process loads as a whole run (ops = loads); the index's run tells both in facts."""
    reports = _fresh(mode)
    if mode == "dict":
        return Run(len(reports), sum(r["loaded_s"] for r in reports), {})
    index, plain = reports[-1], _fresh("dict")[-1]
    verdict = "met" if index["p99_ms"] < P99_TARGET_MS else "MISSED"
    facts = {
        "load, each run (import, open, boosted Composer)": ", ".join(f"{r['loaded_s'] * 1000:.0f} ms" for r in reports),
        "of which PinyinIndex.open": f"{(index['opened_s'] - index['imported_s']) * 1000:.1f} ms",
        "resident memory growth, index: imported / opened / loaded / after all the typing":
            " / ".join(f"{index[f'{stage}_mib']:.1f}" for stage in ("imported", "opened", "loaded", "typed"))
            + f" MiB (budget for pinyin ≤ {RSS_BUDGET_MIB} MiB)",
        "resident memory growth, plain dict: loaded / after the typing":
            f"{plain['loaded_mib']:.1f} / {plain['typed_mib']:.1f} MiB",
        "keystroke → candidates in that process, index":
            f"p50 {index['p50_ms']:.2f} ms, p99 {index['p99_ms']:.2f} ms, worst {index['max_ms']:.1f} ms "
            f"over {index['keystrokes']:.0f} (target p99 < {P99_TARGET_MS:.0f} ms: {verdict})",
        "… plain dict": f"p50 {plain['p50_ms'] * 1000:.1f} µs, p99 {plain['p99_ms'] * 1000:.1f} µs",
    }
    return Run(len(reports), sum(r["loaded_s"] for r in reports), {}, facts)


def cases() -> list[LatencyCase | RunCase]:
    """Return the pinyin benchmarks."""
    return [
        LatencyCase(
            name="pinyin keystroke → candidates",
            subject=_composer_keystroke, baseline=_dict_keystroke,
            subject_label=f"Composer.press + first {PAGE} candidates (full, abbreviated, partial; boosted)",
            baseline_label="plain dict: complete pinyin → words",
            ops=KEYSTROKES,
        ),
        RunCase(
            name="pinyin index load, fresh process",
            subject=lambda: _run("index"), baseline=lambda: _run("dict"),
            subject_label="PinyinIndex.open (mmap) + Composer, then the typing",
            baseline_label="pickle.load of the plain dict, then the same typing",
        ),
    ]
