"""Helpers every test folder shares: where the tree is, and the installed `yichuang` run as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YICHUANG = Path(sys.executable).parent / "yichuang"


def run(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a user would, on the code of the checkout the tests run from."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "PYTHONPATH": str(ROOT)}  # a worktree, not the editable install
    if config is not None:
        env["YICHUANG_CONFIG"] = str(config)
    return subprocess.run(
        [str(YICHUANG), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False
    )
