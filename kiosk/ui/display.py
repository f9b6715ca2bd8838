"""A private virtual display (Xvfb) for the UI's tests, screenshots and benchmark; fitting a window to a screen."""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from typing import Any

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
    """Return the size of the X display's default screen (None without one): a window must fit in it.

    Asked with python-xlib (the abstract socket first), then, before Kivy has loaded X, with libX11.
    """
    if not os.environ.get("DISPLAY"):
        return None
    for attempt in range(ASKS):  # a busy X server may refuse a connection for a moment
        size = _by_xlib() or _by_libx11()
        if size is not None:
            return size
        time.sleep(0.5 * (attempt + 1))
    return None


def _by_xlib() -> tuple[int, int] | None:
    """Return the default screen's size as python-xlib reads it, or None (the reason is logged).

    A local display is reached on its abstract socket first, as libxcb does: the socket file of a
    live server can be one another X server left behind when it failed to take the same display.
    """
    from Xlib import display as xdisplay  # noqa: PLC0415 - the X protocol in Python: no second copy of libX11 beside Kivy's
    from Xlib import error as xerror  # noqa: PLC0415
    from Xlib.support import unix_connect  # noqa: PLC0415

    by_file = unix_connect.get_socket

    def abstract_first(dname: Any, protocol: Any, host: Any, dno: int) -> socket.socket:
        if not host:
            local = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                local.connect(f"\0/tmp/.X11-unix/X{dno}")
            except OSError:
                local.close()
            else:
                return local
        return by_file(dname, protocol, host, dno)

    unix_connect.get_socket = abstract_first
    try:
        connection = xdisplay.Display()
    except (xerror.DisplayError, OSError) as failed:
        log.warning("python-xlib cannot ask the X display for its size: %s", failed)
        return None
    finally:
        unix_connect.get_socket = by_file
    try:
        screen = connection.screen()
        return int(screen.width_in_pixels), int(screen.height_in_pixels)
    finally:
        connection.close()


def _by_libx11() -> tuple[int, int] | None:
    """Return the default screen's size as libX11 reads it (only before Kivy has loaded its own X), or None."""
    if "kivy.core.window" in sys.modules:
        return None
    try:
        x11 = ctypes.CDLL("libX11.so.6")
    except OSError as failed:
        log.warning("no libX11 to ask the X display for its size: %s", failed)
        return None
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultScreen.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    display = x11.XOpenDisplay(None)
    if not display:
        log.warning("libX11 cannot open the X display %s either", os.environ.get("DISPLAY"))
        return None
    screen = x11.XDefaultScreen(display)
    size = int(x11.XDisplayWidth(display, screen)), int(x11.XDisplayHeight(display, screen))
    x11.XCloseDisplay(display)
    return size


def fit(panel: tuple[int, int], screen: tuple[int, int], *, beside: float, share: float = 0.9) -> tuple[int, int]:
    """Return the panel's size scaled to fit ``share`` of the screen with ``beside`` of its width added at its side.

    The panel keeps its aspect (text wraps as on the real panel); it is never drawn larger than it is.
    """
    scale = min(1.0, share * screen[1] / panel[1], share * screen[0] / (panel[0] * (1 + beside)))
    return round(panel[0] * scale), round(panel[1] * scale)
