"""A private virtual display (Xvfb) for the UI's tests, screenshots and benchmark."""

from __future__ import annotations

import os
import shutil
import subprocess


def start_xvfb(screen: str = "1280x1280x24") -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on the first free display number; return the process and its DISPLAY value."""
    binary = shutil.which("Xvfb") or "/usr/bin/Xvfb"
    read, write = os.pipe()
    server = subprocess.Popen([binary, "-displayfd", str(write), "-screen", "0", screen, "-nolisten", "tcp"],  # noqa: S603
                              pass_fds=[write], stderr=subprocess.DEVNULL)
    os.close(write)
    number = os.read(read, 16).decode().strip()
    os.close(read)
    return server, f":{number}"
