"""Write the handwriting tests' strokes: Make Me a Hanzi's medians of 100 common characters, from npm.

Run `python scripts/handwriting_fixture.py` (needs npm and pip; both fetch into a temporary folder).
The characters are the 98 most frequent in jieba's dictionary (a character counts the frequencies
of the words it appears in) that hanzi-writer-data covers, then 阜 and 窗, which issue #19 names:
strokes.json, the set the recogniser's weights are tuned on (scripts/tune_handwriting.py). The next
100 most frequent go to heldout.json, which no tuning reads: it shows whether the tuning generalises.
Medians come in Make Me a Hanzi's 1024 box with y upwards (the top edge at y = 900); they are
written in a 0–1000 box with y downwards. The data is under the Arphic Public License, whose text
is copied unaltered beside the fixture; the fixture carries the notice of what was changed and when.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

STROKES_PACKAGE = "hanzi-writer-data@2.0.1"
JIEBA = "jieba==0.42.1"
NAMED = ("阜", "窗")
COUNT = 100
OUT = Path(__file__).resolve().parent.parent / "tests" / "drivers" / "handwriting"


def fetch(folder: Path) -> tuple[Path, Path]:
    """Fetch both packages into ``folder``; return hanzi-writer-data's folder and jieba's dictionary."""
    npm = ["npm", "pack", "--silent", STROKES_PACKAGE]
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "-d", str(folder),
           JIEBA]
    subprocess.run(npm, cwd=folder, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - fixed arguments
    subprocess.run(pip, check=True)  # noqa: S603
    for archive in [*folder.glob("*.tgz"), *folder.glob("*.tar.gz")]:
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
    return folder / "package", next(folder.glob("jieba-*/jieba/dict.txt"))


def characters(data: Path, dictionary: Path) -> tuple[list[str], list[str]]:
    """Return the tuning set (the most frequent characters covered, then the issue's two) and the next COUNT."""
    frequency: Counter[str] = Counter()
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        word, count = line.split()[:2]
        for char in word:
            if "\u4e00" <= char <= "\u9fff":
                frequency[char] += int(count)
    common = [char for char, _ in frequency.most_common() if (data / f"{char}.json").exists() and char not in NAMED]
    tuning = common[: COUNT - len(NAMED)] + list(NAMED)
    return tuning, common[COUNT - len(NAMED): 2 * COUNT - len(NAMED)]


def medians(data: Path, char: str) -> list[list[list[int]]]:
    """Return the character's stroke medians in a 0–1000 box, y downwards."""
    raw = json.loads((data / f"{char}.json").read_text(encoding="utf-8"))["medians"]
    return [[[round(x * 1000 / 1024), round((900 - y) * 1000 / 1024)] for x, y in stroke] for stroke in raw]


def write(data: Path, chars: list[str], name: str, order: str) -> None:
    """Write the fixture ``name`` (one character a line) and copy the licence unaltered beside it."""
    today = datetime.now(UTC).date().isoformat()
    header = {
        "notice": f"Modified on {today} by the Yichuang project: the stroke medians of {len(chars)} characters "
                  f"extracted from the npm package {STROKES_PACKAGE} (derived by Make Me a Hanzi from the fonts "
                  "AR PL KaitiM GB and AR PL UKai, Copyright (C) 1999 Arphic Technology Co., Ltd.), converted "
                  "from a 1024 box with y upwards to a 0-1000 box with y downwards and rounded to integers. "
                  "Distributed under the Arphic Public License: see ARPHICPL.TXT beside this file.",
        "order": order,
        "box": 1000,
    }
    lines = [f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in header.items()]
    rows = [f"    {json.dumps(c, ensure_ascii=False)}: {json.dumps(medians(data, c), separators=(',', ':'))}"
            for c in chars]
    text = "{\n" + "\n".join(lines) + '\n  "characters": {\n' + ",\n".join(rows) + "\n  }\n}\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text(text, encoding="utf-8")
    (OUT / "ARPHICPL.TXT").write_bytes((data / "ARPHICPL.TXT").read_bytes())


def main() -> int:
    """Fetch, choose, convert and write."""
    with tempfile.TemporaryDirectory(prefix="yc-strokes-") as scratch:
        data, dictionary = fetch(Path(scratch))
        tuning, held_out = characters(data, dictionary)
        write(data, tuning, "strokes.json", f"the most frequent characters in {JIEBA}'s dictionary, then "
              + " and ".join(NAMED))
        write(data, held_out, "heldout.json", f"the next {COUNT} most frequent characters in {JIEBA}'s dictionary "
              "after those of strokes.json (held out: never tuned on)")
    print(f"wrote {len(tuning)} characters to {OUT / 'strokes.json'}: {''.join(tuning)}")
    print(f"wrote {len(held_out)} characters to {OUT / 'heldout.json'}: {''.join(held_out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
