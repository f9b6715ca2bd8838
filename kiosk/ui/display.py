"""A private virtual display (Xvfb) for the UI's tests, screenshots and benchmark; fitting a window to a screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

SCREEN_QUERY = """
import ctypes
x11 = ctypes.CDLL("libX11.so.6")
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
display = x11.XOpenDisplay(None)
screen = x11.XDefaultScreen(display) if display else None
print(x11.XDisplayWidth(display, screen), x11.XDisplayHeight(display, screen)) if display else None
"""


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

    Asked in a fresh interpreter: once Kivy has loaded its own X libraries, libX11 through ctypes
    cannot connect.
    """
    for attempt in range(ASKS):  # a busy X server may refuse a connection for a moment
        try:
            done = subprocess.run([sys.executable, "-c", SCREEN_QUERY], capture_output=True, text=True,  # noqa: S603
                                  timeout=30, check=True)
            width, height = (int(n) for n in done.stdout.split())
        except (subprocess.SubprocessError, ValueError):
            time.sleep(0.5 * (attempt + 1))
            continue
        return width, height
    return None


def fit(panel: tuple[int, int], screen: tuple[int, int], *, beside: float, share: float = 0.9) -> tuple[int, int]:
    """Return the panel's size scaled to fit ``share`` of the screen with ``beside`` of its width added at its side.

    The panel keeps its aspect (text wraps as on the real panel); it is never drawn larger than it is.
    """
    scale = min(1.0, share * screen[1] / panel[1], share * screen[0] / (panel[0] * (1 + beside)))
    return round(panel[0] * scale), round(panel[1] * scale)
