"""The demo window fits the display it opens on, even when the X server's socket file is not its own."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.common import ROOT

STALE = """
import json, logging, os, sys
from kiosk.ui.display import screen_size, start_xvfb
server, name = start_xvfb("1280x1024x24")
os.environ["DISPLAY"] = name
path = "/tmp/.X11-unix/X" + name[1:]
os.rename(path, path + ".moved")  # the live server's socket file is gone (another server's cleanup) ...
open(path, "w").close()  # ... and a dead file stands in its place: only the abstract socket answers
try:
    print(json.dumps(screen_size()))
finally:
    os.remove(path)
    os.rename(path + ".moved", path)
    server.terminate()
    server.wait(timeout=10)
"""


def test_the_screen_size_is_read_past_a_stale_socket_file() -> None:
    done = subprocess.run([sys.executable, "-c", STALE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [1280, 1024]

