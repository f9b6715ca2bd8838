"""Command line: `yichuang --help` in a fresh process against a bare interpreter's start, `python -c pass`.

Both run with bytecode cached in a scratch folder (as on an installed terminal, whatever
PYTHONDONTWRITEBYTECODE says here); the harness's warm-up run fills it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from benchmarks.harness import Case

ROOT = Path(__file__).resolve().parent.parent
YICHUANG = Path(sys.executable).parent / "yichuang"


@cache
def _env() -> dict[str, str]:
    """Return the environment both commands run in: this one, with bytecode cached in a scratch folder."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="yc-bench-pycache-")}


def _run(*command: str) -> None:
    """Run a command to its end, its output discarded."""
    subprocess.run(command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, check=True, timeout=60)  # noqa: S603


def cases() -> list[Case]:
    """Return the command-line start case."""
    return [
        Case(
            name="CLI start: yichuang --help",
            subject=lambda: _run(str(YICHUANG), "--help"),
            baseline=lambda: _run(sys.executable, "-c", "pass"),
            subject_label="yichuang --help, a fresh process (lists every command group)",
            baseline_label="python -c pass",
        )
    ]
