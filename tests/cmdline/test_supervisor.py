"""The supervisor with real child processes: READY and WATCHDOG over its own notify socket, restarts, giving up."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from cmdline.supervisor import Supervisor, SupervisorError
from tests.common import ROOT

CHILD = [sys.executable, str(ROOT / "tests" / "cmdline" / "supervised_child.py")]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "NOTIFY_SOCKET": "/nonexistent/systemd", "WATCHDOG_PID": "1"}


@contextmanager
def _running(supervisor: Supervisor) -> Iterator[tuple[threading.Event, list[str], list[BaseException]]]:
    """Run ``supervisor`` in a thread; yield its stop event, what it reported, and what it raised."""
    stop, said, raised = threading.Event(), list[str](), list[BaseException]()

    def run() -> None:
        try:
            supervisor.run(stop, ready=lambda: said.append("ready"), turned=lambda: None)
        except SupervisorError as exc:
            raised.append(exc)
    thread = threading.Thread(target=run, daemon=True)
    supervisor.start()
    thread.start()
    try:
        yield stop, said, raised
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()


def _until(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_ready_once_every_copy_is_and_stop_ends_them_all() -> None:
    supervisor = Supervisor([*CHILD, "ok"], 3, _env())
    with _running(supervisor) as (_, said, _raised):
        _until(lambda: said == ["ready"])
        pids = supervisor.pids()
        assert len(set(pids)) == 3
    assert all(_gone(pid) for pid in pids)
    assert supervisor.restarts() == 0
    assert not supervisor.folder.exists()


def test_a_copy_that_dies_is_started_again() -> None:
    supervisor = Supervisor([*CHILD, "ok"], 2, _env())
    with _running(supervisor) as (_, said, _raised):
        _until(lambda: said == ["ready"])
        victim = supervisor.pids()[0]
        os.kill(victim, signal.SIGKILL)
        _until(lambda: supervisor.restarts() == 1 and len(supervisor.pids()) == 2)
        assert victim not in supervisor.pids()
        _until(lambda: all(s.child is not None and s.child.ready for s in supervisor.slots))


def test_a_copy_that_stops_pinging_is_killed_and_replaced() -> None:
    supervisor = Supervisor([*CHILD, "ok"], 1, _env(), watchdog=1.0)
    with _running(supervisor) as (_, said, _raised):
        _until(lambda: said == ["ready"])
        hung = supervisor.pids()[0]
        os.kill(hung, signal.SIGSTOP)  # alive but silent: only SIGKILL ends a stopped process
        _until(lambda: supervisor.restarts() == 1 and hung not in supervisor.pids(), timeout=30)
        assert _gone(hung)


def test_a_copy_that_never_gets_ready_stops_the_supervisor() -> None:
    supervisor = Supervisor([*CHILD, "fail"], 2, _env(), give_up_after=3)
    with _running(supervisor) as (_, said, raised):
        _until(lambda: bool(raised))
    assert said == []
    assert "exited 3 times in a row before it was ready or within 60 s of its start (last exit status 3)" \
        in str(raised[0])
    assert supervisor.pids() == []


def test_a_copy_that_dies_soon_after_ready_waits_longer_each_time_then_stops_the_supervisor() -> None:
    supervisor = Supervisor([*CHILD, "ready-exit"], 1, _env(), give_up_after=3)
    began = time.monotonic()
    with _running(supervisor) as (_, _said, raised):
        _until(lambda: bool(raised), timeout=30)
    assert time.monotonic() - began >= 3.0  # waited 1 s, then 2 s: not a tight loop
    assert supervisor.restarts() == 2
    assert "exited 3 times in a row before it was ready or within 60 s of its start (last exit status 1)" \
        in str(raised[0])


def test_a_hung_copy_prints_every_threads_stack_before_it_is_replaced(capfd: pytest.CaptureFixture[str]) -> None:
    supervisor = Supervisor([*CHILD, "hang"], 1, _env(), watchdog=1.0)
    with _running(supervisor) as (_, said, _raised):
        _until(lambda: said == ["ready"])
        hung = supervisor.pids()[0]
        _until(lambda: supervisor.restarts() == 1 and hung not in supervisor.pids(), timeout=30)
    err = capfd.readouterr().err
    assert "Fatal Python error: Aborted" in err
    assert 'supervised_child.py", line' in err  # where it was waiting


def test_a_stranger_on_the_socket_is_not_a_copy() -> None:
    supervisor = Supervisor([sys.executable, "-c", "import time; time.sleep(60)"], 1, _env(), start_timeout=60)
    with _running(supervisor) as (_, said, _raised):
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as stranger:
            stranger.sendto(b"READY=1", str(supervisor.folder / "notify"))
        time.sleep(1.0)
        assert said == []
        assert not supervisor.slots[0].child or not supervisor.slots[0].child.ready


def test_copies_talk_to_the_supervisor_not_to_systemd() -> None:
    supervisor = Supervisor([*CHILD, "ok"], 1, _env(), watchdog=7.5)
    try:
        assert supervisor.env["NOTIFY_SOCKET"] == str(supervisor.folder / "notify")
        assert supervisor.env["WATCHDOG_USEC"] == "7500000"
        assert "WATCHDOG_PID" not in supervisor.env
    finally:
        supervisor.shutdown()
