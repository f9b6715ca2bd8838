"""A simulated SAM module on a real pty, reachable through a stable symlink (to unplug and replug)."""

from __future__ import annotations

import os
import threading
import tty
from pathlib import Path

from drivers.cardreader.simulator import SamSimulator, serve_fd


class PtyModule:
    """Serves a SamSimulator on a pty master; the slave is the 'serial port'."""

    def __init__(self, simulator: SamSimulator, link: Path) -> None:
        self.simulator, self.link = simulator, link
        self.master = self.slave = -1
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def plug(self) -> None:
        """Create a fresh pty and point the link at it."""
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.link.unlink(missing_ok=True)
        self.link.symlink_to(os.ttyname(self.slave))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=serve_fd, args=(self.simulator, self.master, self.stop), daemon=True)
        self.thread.start()

    def unplug(self) -> None:
        """Close the pty, as a pulled USB cable does, and remove the device path."""
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=2)
        os.close(self.master)
        os.close(self.slave)
        self.link.unlink(missing_ok=True)

    @property
    def url(self) -> str:
        return f"serial://{self.link}?baud=115200&timeout=1.0"
