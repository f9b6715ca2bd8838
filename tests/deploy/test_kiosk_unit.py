"""The kiosk under systemd (#23 liveness): `kiosk run`, as yichuang-kiosk.service starts it, says READY through a
real NOTIFY_SOCKET once the screens show, its UI loop feeds the watchdog, and a hung UI loop stops the pings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.ui.display import start_xvfb
from tests.common import ROOT
from tests.kiosk.store.helpers import open_test_store

HANG_S = 3.0  # three watchdog periods of the test: a UI loop still turning would ping every second
CHILD = """
import sys, time
from kivy.app import App
from kivy.clock import Clock

def started(app):
    def hang(_dt):
        print("hang", flush=True)
        time.sleep(float(sys.argv[1]))  # the UI thread stuck, as in a driver call that never returns
        print("resumed", flush=True)
    Clock.schedule_once(hang, 6.0)  # the UI loop feeds the watchdog every second (kiosk/ui/launch.py)
    Clock.schedule_once(lambda _dt: app.stop(), 6.0 + float(sys.argv[1]) + 2.0)

App.on_start = started
from main import cli
cli(["kiosk", "run", "--windowed"])
"""


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    """A virtual X display for the kiosk window."""
    server, name = start_xvfb()
    yield name
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[socket.socket]:
    """The datagram socket systemd listens on for sd_notify messages."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    yield sock
    sock.close()


def terminal(directory: Path) -> Path:
    """Write the terminal.toml of a terminal on simulated devices with a fresh store; return its path."""
    open_test_store(directory).close()
    path = directory / "terminal.toml"
    path.write_text(f'[terminal]\nid = "LC0001"\nhall = "lc-center"\n[store]\npath = "{directory / "store.db"}"\n'
                    f'key_provider = "file"\nkey_file = "{directory / "store.key"}"\n')
    return path


def drained(sock: socket.socket, seconds: float = 0.0) -> list[str]:
    """Return the messages waiting on ``sock`` and those arriving within ``seconds``."""
    sock.settimeout(seconds or 0.05)
    messages = []
    while True:
        try:
            messages.append(sock.recv(4096).decode())
        except TimeoutError:
            return messages


def test_the_kiosk_says_ready_feeds_the_watchdog_and_stops_feeding_it_when_its_ui_hangs(
        xvfb: str, notify: socket.socket, tmp_path: Path) -> None:
    env = {**os.environ, "DISPLAY": xvfb, "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-home-"), "PYTHONPATH": str(ROOT),
           "YICHUANG_CONFIG": str(terminal(tmp_path)), "NOTIFY_SOCKET": notify.getsockname(),
           "WATCHDOG_USEC": "1000000"}  # a 1 s watchdog
    kiosk = subprocess.Popen([sys.executable, "-c", CHILD, str(HANG_S)], cwd=ROOT, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert kiosk.stdout is not None
        assert kiosk.stdout.readline() == "hang\n"
        fed = drained(notify)  # everything sent before the UI loop hung
        # READY once the store and the devices are open (after home is drawn): the loop may have fed the watchdog first
        assert next(message for message in fed if message != "WATCHDOG=1") == "READY=1\nSTATUS=citizen screens shown"
        assert "WATCHDOG=1" in fed  # the UI loop fed the watchdog while it turned
        assert drained(notify, HANG_S - 0.5) == []  # hung: systemd would kill it after WatchdogSec
        assert kiosk.stdout.readline() == "resumed\n"
        after = drained(notify, 1.5)
        assert kiosk.wait(timeout=30) == 0
        after += drained(notify)
        assert "WATCHDOG=1" in after  # the loop turns again: so do the pings
        assert after[-1] == "STOPPING=1"
    finally:
        if kiosk.poll() is None:
            kiosk.kill()


def test_a_kiosk_whose_store_does_not_open_stops_with_the_reason_and_never_says_ready(
        xvfb: str, notify: socket.socket, tmp_path: Path) -> None:
    config = terminal(tmp_path)
    (tmp_path / "store.key").unlink()  # the store opens after home is drawn: its failure still stops the kiosk
    env = {**os.environ, "DISPLAY": xvfb, "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-home-"), "PYTHONPATH": str(ROOT),
           "YICHUANG_CONFIG": str(config), "NOTIFY_SOCKET": notify.getsockname(), "WATCHDOG_USEC": "1000000"}
    done = subprocess.run([sys.executable, "main.py", "kiosk", "run", "--windowed"], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "its key (file) is missing" in done.stderr  # the store's own words, as when it opened before the window
    told = drained(notify)
    assert not any(message.startswith("READY=1") for message in told)  # systemd sees a start that failed
    assert told[-1] == "STOPPING=1"
