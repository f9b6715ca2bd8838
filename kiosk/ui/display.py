"""A private virtual display (Xvfb) for the UI's tests, screenshots and benchmark; fitting a window to a screen."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time

log = logging.getLogger(__name__)

ASKS = 4  # tries at the screen's size before the window falls back to a common one


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


def screen_size() -> tuple[int, int] | None:
    """Return the size of the X display's default screen (None without one): a window must fit in it."""
    from Xlib import display as xdisplay  # noqa: PLC0415 - the X protocol in Python: no second copy of libX11 beside Kivy's
    from Xlib import error as xerror  # noqa: PLC0415

    if not os.environ.get("DISPLAY"):
        return None
    for attempt in range(ASKS):  # a busy X server may refuse a connection for a moment
        try:
            connection = xdisplay.Display()
        except (xerror.DisplayError, OSError) as failed:
            log.warning("cannot ask the X display for its size (try %d of %d): %s", attempt + 1, ASKS, failed)
            time.sleep(0.5 * (attempt + 1))
            continue
        try:
            screen = connection.screen()
            return int(screen.width_in_pixels), int(screen.height_in_pixels)
        finally:
            connection.close()
    return None


def fit(panel: tuple[int, int], screen: tuple[int, int], *, beside: float, share: float = 0.9) -> tuple[int, int]:
    """Return the panel's size scaled to fit ``share`` of the screen with ``beside`` of its width added at its side.

    The panel keeps its aspect (text wraps as on the real panel); it is never drawn larger than it is.
    """
    scale = min(1.0, share * screen[1] / panel[1], share * screen[0] / (panel[0] * (1 + beside)))
    return round(panel[0] * scale), round(panel[1] * scale)
