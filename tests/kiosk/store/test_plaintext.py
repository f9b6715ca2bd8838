"""No plaintext personal data anywhere the processes wrote: database, WAL, temp files, logs, output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.common import ROOT
from tests.kiosk.store.helpers import ID_NUMBER, NAME, PHONE

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gb18030")


def needles() -> dict[bytes, str]:
    """Every encoding of every piece of known personal data."""
    found = {}
    for secret in (NAME, ID_NUMBER, PHONE, "示例路"):
        for encoding in ENCODINGS:
            found[secret.encode(encoding)] = f"{secret} in {encoding}"
    return found


def test_no_personal_data_in_any_file_or_output(tmp_path: Path) -> None:
    dirs = {name: tmp_path / name for name in ("data", "tmp", "home", "kivy")}
    for directory in dirs.values():
        directory.mkdir()
    log = tmp_path / "worker.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(dirs["tmp"]), "HOME": str(dirs["home"]),
           "KIVY_HOME": str(dirs["kivy"]), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.kiosk.store.leak_worker", str(dirs["data"]), str(log)],
        capture_output=True, env=env, cwd=ROOT, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert log.stat().st_size > 10_000  # debug logging really ran
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "store.db" for p in files)
    leaks = []
    for path in files:
        content = path.read_bytes()
        leaks += [f"{path.relative_to(tmp_path)}: {what}" for needle, what in needles().items() if needle in content]
    for stream, content in (("stdout", result.stdout), ("stderr", result.stderr)):
        leaks += [f"{stream}: {what}" for needle, what in needles().items() if needle in content]
    assert leaks == []


def test_the_scan_would_find_a_leak(tmp_path: Path) -> None:
    planted = tmp_path / "planted.bin"
    planted.write_bytes(b"x" + NAME.encode("gb18030") + b"y")
    assert any(needle in planted.read_bytes() for needle in needles())
