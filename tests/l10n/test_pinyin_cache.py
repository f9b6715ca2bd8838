"""The index file: where it lives, that it is built once by concurrent callers, and that a bad file is refused."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from l10n.pinyin import PinyinIndex, default_index_path, ensure_index, layout
from l10n.pinyin import build as build_module
from l10n.pinyin.layout import IndexFileError, signature
from tests.common import ROOT


@pytest.fixture
def built(index: PinyinIndex) -> Path:
    """Return the real index file the session uses."""
    return ensure_index()


@pytest.fixture
def fake_build(built: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Make a build copy the real index slowly (no 20-second compile); return the paths built."""
    calls: list[Path] = []

    def copy(out: Path) -> Path:
        calls.append(out)
        time.sleep(0.2)
        partial = out.with_name(out.name + ".partial")
        shutil.copyfile(built, partial)
        partial.replace(out)
        return out

    monkeypatch.setattr(build_module, "build_index", copy)
    return calls


def test_the_cache_folder_follows_the_service_then_the_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CACHE_DIRECTORY", f"{tmp_path}/service:{tmp_path}/other")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_index_path() == tmp_path / "service" / "yichuang" / "pinyin" / f"index-{signature()}.bin"
    monkeypatch.delenv("CACHE_DIRECTORY")
    assert default_index_path().parent == tmp_path / "xdg" / "yichuang" / "pinyin"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_index_path().parent == tmp_path / "home" / ".cache" / "yichuang" / "pinyin"


def test_the_name_changes_with_any_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    sources = [tmp_path / "dict.txt", tmp_path / "core.py"]
    for source in sources:
        source.write_text("一 1 m\n", encoding="utf-8")
    monkeypatch.setattr(layout, "source_files", lambda: sources)
    first = signature()
    assert signature() == first
    sources[1].write_text("一 2 m\n", encoding="utf-8")
    assert signature() != first


def test_concurrent_callers_build_once_into_a_private_folder(fake_build: list[Path], tmp_path: Path) -> None:
    target = tmp_path / "cache" / "index.bin"
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(ensure_index(target))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [target] * 4
    assert fake_build == [target]
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    with PinyinIndex.open(target) as copy:
        assert copy.lookup("lcs", 8)


def test_a_new_version_replaces_the_old_one(fake_build: list[Path], monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("CACHE_DIRECTORY", str(tmp_path))
    folder = tmp_path / "yichuang" / "pinyin"
    folder.mkdir(parents=True)
    (folder / "index-0123456789abcdef.bin").write_bytes(b"an index of older sources")
    assert ensure_index() == folder / f"index-{signature()}.bin"
    assert [path.name for path in folder.glob("index-*.bin")] == [f"index-{signature()}.bin"]
    assert ensure_index() == folder / f"index-{signature()}.bin"
    assert len(fake_build) == 1


def test_a_file_that_is_no_index_is_refused(built: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.bin"
    for content in (b"", b"YCPINYIN" + bytes(100), built.read_bytes()[:100_000], b"x" * 1000):
        wrong.write_bytes(content)
        with pytest.raises(IndexFileError):
            PinyinIndex.open(wrong)


def test_the_build_command_reports_the_index_it_finds(built: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "l10n.pinyin", "build", "--out", str(built)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.stdout.strip() == str(built)
    assert done.stderr == ""  # nothing built


def test_opening_the_index_is_quick(built: Path) -> None:
    began = time.perf_counter()
    with PinyinIndex.open(built) as opened:
        opened.lookup("a", 1)
    assert time.perf_counter() - began < 0.5
