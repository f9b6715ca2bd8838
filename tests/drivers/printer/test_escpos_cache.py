"""python-escpos keeps its parsed printer database in the user's private cache, never in a folder others can write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.common import ROOT

PROBE = "import os, drivers.printer.printer; print(os.environ.get('ESCPOS_CAPABILITIES_PICKLE_DIR', ''))"


def _probe(cache: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_DIRECTORY", "ESCPOS_CAPABILITIES_PICKLE_DIR"}}
    done = subprocess.run([sys.executable, "-c", PROBE], env={**env, "XDG_CACHE_HOME": str(cache)}, cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip()


def test_the_database_is_parsed_once_into_a_private_folder(tmp_path: Path) -> None:
    folder = tmp_path / "yichuang" / "escpos"
    assert _probe(tmp_path) == str(folder)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in folder.iterdir()) == [f"{sys.version.split()[0]}.capabilities.pickle", "lock"]


def test_processes_starting_together_each_load_the_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_DIRECTORY", "ESCPOS_CAPABILITIES_PICKLE_DIR"}}
    for attempt in range(3):
        cache = tmp_path / str(attempt)
        starts = [subprocess.Popen([sys.executable, "-c", PROBE], env={**env, "XDG_CACHE_HOME": str(cache)}, cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
        outcomes = [(start.wait(timeout=60), start.stderr.read() if start.stderr else "") for start in starts]
        assert outcomes == [(0, "")] * 4


def test_a_torn_database_file_is_parsed_again(tmp_path: Path) -> None:
    folder = tmp_path / "yichuang" / "escpos"
    _probe(tmp_path)
    torn = folder / f"{sys.version.split()[0]}.capabilities.pickle"
    whole = torn.read_bytes()
    torn.write_bytes(whole[: len(whole) // 2])
    assert _probe(tmp_path) == str(folder)
    assert torn.read_bytes() == whole


def test_a_folder_others_may_write_to_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "yichuang" / "escpos"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    assert _probe(tmp_path) == ""
    assert list(folder.iterdir()) == []
