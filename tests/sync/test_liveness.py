"""Services under systemd's watchdog, through a real NOTIFY_SOCKET: READY once serving, WATCHDOG while the loop
turns (at most twice a period), STOPPING on SIGTERM; a loop that stops turning stops the pings (#23 liveness)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cmdline.liveness import Liveness
from demo.devstack import Mosquitto
from tests.common import ROOT
from tests.kiosk.store.helpers import open_test_store
from tests.sync.stack import Central, terminal_config


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    """A datagram socket where systemd would listen for sd_notify messages."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(0.2)
    yield sock
    sock.close()


def received(sock: socket.socket, seconds: float) -> list[str]:
    """Return every message the socket gets within ``seconds``."""
    messages, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            messages.append(sock.recv(4096).decode())
        except TimeoutError:
            continue
    return messages


def test_pings_are_sent_through_libsystemd_at_most_twice_a_period(notify_socket: socket.socket,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.getsockname())
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")  # a 2 s watchdog: a ping at most every second
    liveness = Liveness()
    liveness.ready("serving")
    for _ in range(200):  # a busy loop turning fast
        liveness.alive()
    assert received(notify_socket, 0.5) == ["READY=1\nSTATUS=serving", "WATCHDOG=1"]
    time.sleep(1.0)
    liveness.alive()
    assert received(notify_socket, 0.5) == ["WATCHDOG=1"]
    time.sleep(1.2)  # the loop hangs: it calls nothing, so nothing is sent and systemd would restart it
    assert received(notify_socket, 0.5) == []


def test_without_a_watchdog_nothing_but_ready_is_sent(notify_socket: socket.socket,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.getsockname())
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    liveness = Liveness()
    liveness.ready()
    liveness.alive()
    assert received(notify_socket, 0.3) == ["READY=1"]


def test_sync_run_under_systemd_says_ready_pings_and_says_stopping(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine, notify_socket: socket.socket) -> None:
    terminal = tmp_path / "terminal"
    open_test_store(terminal).close()
    config = terminal_config(terminal, broker, Central(tmp_path, sqlite_db))
    env = {**os.environ, "YICHUANG_CONFIG": str(config), "NOTIFY_SOCKET": notify_socket.getsockname(),
           "WATCHDOG_USEC": "1000000"}
    agent = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "sync", "run"], env=env, cwd=ROOT,
                             stderr=subprocess.DEVNULL)
    try:
        first = received(notify_socket, 4.0)
        assert first[0].startswith("READY=1")
        assert first.count("WATCHDOG=1") >= 3  # every half second while the pump turns
        agent.send_signal(signal.SIGSTOP)  # a hung process: no more pings
        assert received(notify_socket, 1.5) == []
        agent.send_signal(signal.SIGCONT)
        assert "WATCHDOG=1" in received(notify_socket, 1.5)
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(timeout=15) == 0
        assert "STOPPING=1" in received(notify_socket, 0.5)
    finally:
        if agent.poll() is None:
            agent.kill()
