"""Named crash points for fault tests: kill -9 this process when a test asks for it.

A test sets ``YC_CRASHPOINT=name:n`` in a child process's environment; the n-th time the
code passes ``crashpoint(name)`` the process sends itself SIGKILL. The variable is read once, at
import (a child gets it in its environment); without it a crash point costs one comparison.
"""

from __future__ import annotations

import os
import signal

_passes: dict[str, int] = {}
_POINT, _, _COUNT = os.environ.get("YC_CRASHPOINT", "").partition(":")


def crashpoint(name: str) -> None:
    """Die here if the environment names this point and its turn has come."""
    if name != _POINT or not _POINT:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] >= int(_COUNT or 1):
        os.kill(os.getpid(), signal.SIGKILL)
