"""Named crash points for fault tests: kill -9 this process when a test asks for it.

A test sets ``YC_CRASHPOINT=name:n`` in a child process's environment; the n-th time the
code passes ``crashpoint(name)`` the process sends itself SIGKILL. Without the variable
this is one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

_passes: dict[str, int] = {}


def crashpoint(name: str) -> None:
    """Die here if the environment names this point and its turn has come."""
    wanted = os.environ.get("YC_CRASHPOINT")
    if not wanted:
        return
    point, _, count = wanted.partition(":")
    if point != name:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
