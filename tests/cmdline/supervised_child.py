"""A service for the supervisor's tests.

`ok` says READY and pings until SIGTERM; `fail` exits 3 at once; `ready-exit` says READY, then exits 1;
`hang` says READY, then never pings again.
"""

from __future__ import annotations

import signal
import sys
import threading

from cmdline.liveness import Liveness


def main(mode: str) -> int:
    """Run as ``mode`` says."""
    if mode == "fail":
        return 3
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    liveness = Liveness()
    liveness.ready("test child")
    if mode == "ready-exit":
        return 1
    if mode == "hang":
        stop.wait(600)
        return 0
    while not stop.wait(0.05):
        liveness.alive()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
