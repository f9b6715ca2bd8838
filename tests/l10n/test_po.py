"""The gettext catalogs: Babel compiles each .po once per version into the cache; later starts read it without Babel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from l10n.po import compile_po
from tests.common import ROOT

CATALOGS = sorted(ROOT.glob("*/**/locale/zh_CN/LC_MESSAGES/*.po"))
PROBE = ("import sys; from pathlib import Path; from l10n.po import compile_po; "
         "t = compile_po(Path(sys.argv[1]), 'zh_CN'); print('babel' in sys.modules, t.gettext('Yes'))")


def _start(cache: Path, po: Path) -> tuple[bool, str]:
    """Read ``po`` in a fresh process with ``cache`` as the service's cache: whether Babel was imported, and 'Yes'."""
    env = {**os.environ, "CACHE_DIRECTORY": str(cache)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(po)], env=env, cwd=ROOT, capture_output=True, text=True,
                          check=True, timeout=60)
    imported, said = done.stdout.split()
    return imported == "True", said


def test_the_first_start_compiles_and_later_ones_read_the_cache_without_babel(tmp_path: Path) -> None:
    po = tmp_path / "kiosk.po"
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Yes"\nmsgstr "是"\n',
                  encoding="utf-8")
    assert _start(tmp_path / "cache", po) == (True, "是")
    assert _start(tmp_path / "cache", po) == (False, "是")
    po.write_text(po.read_text(encoding="utf-8").replace("是", "对"), encoding="utf-8")  # a new version
    assert _start(tmp_path / "cache", po) == (True, "对")
    assert [p.name.startswith("kiosk-zh_CN-") for p in (tmp_path / "cache" / "yichuang" / "gettext").glob("*.mo")] == [
        True]  # the older version's file is gone


def test_a_damaged_cache_file_is_compiled_again(tmp_path: Path) -> None:
    po = tmp_path / "kiosk.po"
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Yes"\nmsgstr "是"\n',
                  encoding="utf-8")
    _start(tmp_path / "cache", po)
    (cached,) = (tmp_path / "cache" / "yichuang" / "gettext").glob("*.mo")
    cached.write_bytes(cached.read_bytes()[:10])  # a power cut, a disk error
    assert _start(tmp_path / "cache", po) == (True, "是")
    assert _start(tmp_path / "cache", po) == (False, "是")


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.name)
def test_every_catalog_translates_and_a_missing_one_says_the_msgids(path: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_DIRECTORY", str(tmp_path))
    compiled = compile_po(path, "zh_CN")
    cached = compile_po(path, "zh_CN")
    assert len(compiled._catalog) > 50  # type: ignore[attr-defined]
    assert compiled._catalog == cached._catalog  # type: ignore[attr-defined]
    assert compile_po(tmp_path / "missing.po", "zh_CN").gettext("x") == "x"
