"""Disk full: submit fails with a typed error and everything already stored stays intact."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.common import ROOT


def test_a_full_disk_pauses_submission_and_loses_nothing(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    assert unshare, "unshare (util-linux) is needed to mount a private tmpfs"
    data = tmp_path / "data"
    data.mkdir()
    script = (
        f'mount -t tmpfs -o size=3m tmpfs "{data}" && '
        f'exec "{sys.executable}" -m tests.kiosk.store.fill_worker "{data}"'
    )
    result = subprocess.run(
        [unshare, "--user", "--map-root-user", "--mount", "sh", "-c", script],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["submitted"] > 5  # the disk did take some before filling up
    assert outcome["error"].startswith("StoreFull: the disk holding the store is full")
    assert outcome["again"] == "StoreFull"  # stays paused, no corruption, no crash
    assert outcome["present"] == outcome["submitted"] == outcome["readable"]
