"""Running N copies of a service as child processes, watched the way systemd watches the service itself.

Each child gets NOTIFY_SOCKET pointing at the supervisor's own datagram socket and a WATCHDOG_USEC,
so its `cmdline.liveness.Liveness` says READY and then WATCHDOG on every turn exactly as it would under
systemd. The kernel stamps each datagram with its sender's pid (SO_PASSCRED): a child is known by its
pid, and anything else writing to the socket is ignored. A child that exits, or stops pinging (it gets
SIGABRT, which makes Python's faulthandler print every thread's stack, then SIGKILL), is started again
after a back-off that doubles while it keeps exiting early (before READY, or within a minute of its
start); five early exits in a row stop the supervisor, because a broken configuration or a crash on
the first message must fail the unit instead of looping quietly.
"""

from __future__ import annotations

import logging
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CHILD_ONLY = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES")
UCRED = struct.Struct("iII")  # struct ucred: pid, uid, gid
KILL_AFTER_ABORT = 5.0  # seconds a hung child gets to print its stacks before SIGKILL
READ_PER_TURN = 64  # notifications taken per turn: a flood cannot keep the supervisor from its checks


class SupervisorError(RuntimeError):
    """A child that keeps exiting early: the service cannot run as configured."""


@dataclass
class Child:
    """One running copy: its process, when it started, whether it said READY, its last sign of life."""

    slot: int
    process: subprocess.Popen[bytes]
    started: float
    ready: bool = False
    pinged: float = 0.0
    aborted: float | None = None


@dataclass
class Slot:
    """One of the N places a copy runs in: its child now, early exits in a row, when to start it again."""

    number: int
    child: Child | None = None
    failures: int = 0
    due: float = 0.0
    restarts: int = 0


class Supervisor:
    """Keep ``copies`` children of ``command`` running, ready and pinging; start them again when they are not."""

    def __init__(self, command: Sequence[str], copies: int, env: Mapping[str, str], *, watchdog: float = 30.0,
                 start_timeout: float = 60.0, healthy_after: float = 60.0, give_up_after: int = 5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Prepare the slots and the notify socket; nothing runs before `start`."""
        self.command, self.watchdog, self.start_timeout = list(command), watchdog, start_timeout
        self.healthy_after, self.give_up_after, self.clock = healthy_after, give_up_after, clock
        self.slots = [Slot(n + 1) for n in range(copies)]
        self.folder = Path(tempfile.mkdtemp(prefix="yc-sup-", dir=os.environ.get("RUNTIME_DIRECTORY")))
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            self.sock.bind(str(self.folder / "notify"))
        except OSError:  # e.g. a path longer than a socket's 107 bytes: nothing left behind
            self._remove()
            raise
        self.env = {k: v for k, v in env.items() if k not in CHILD_ONLY}
        self.env.update(NOTIFY_SOCKET=str(self.folder / "notify"), WATCHDOG_USEC=str(int(watchdog * 1e6)),
                        PYTHONFAULTHANDLER="1")  # SIGABRT on a hang prints every thread's stack to the journal
        self._said_ready = False

    def start(self) -> None:
        """Start every copy."""
        for slot in self.slots:
            self._spawn(slot)

    def pids(self) -> list[int]:
        """Return the pids of the copies running now."""
        return [slot.child.process.pid for slot in self.slots if slot.child is not None]

    def restarts(self) -> int:
        """Return how many times a copy was started again."""
        return sum(slot.restarts for slot in self.slots)

    def run(self, stop: threading.Event, ready: Callable[[], None], turned: Callable[[], None]) -> None:
        """Supervise until ``stop``; call ``ready`` once when every copy first is, ``turned`` on every turn."""
        try:
            while not stop.is_set():
                self._receive(0.25)
                if stop.is_set():  # Ctrl-C reaches the copies too: never start one again while stopping
                    break
                self._check(self.clock())
                if not self._said_ready and self.ready_now() == len(self.slots):
                    self._said_ready = True
                    ready()
                turned()
        finally:
            self.shutdown()

    def ready_now(self) -> int:
        """Return how many copies are running and have said READY."""
        return sum(1 for slot in self.slots if slot.child is not None and slot.child.ready)

    def shutdown(self, grace: float = 20.0) -> None:
        """Ask every copy to stop (SIGTERM), kill what still runs after ``grace`` seconds, remove the socket."""
        running = [slot.child for slot in self.slots if slot.child is not None]
        for child in running:
            _signal(child.process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in running:
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("supervisor: copy %d (pid %d) did not stop in %.0f s: killed", child.slot,
                            child.process.pid, grace)
                child.process.kill()
                child.process.wait()
        for slot in self.slots:
            slot.child = None
        self._remove()

    def _remove(self) -> None:
        """Close the notify socket and remove its folder."""
        self.sock.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _spawn(self, slot: Slot) -> None:
        """Start the copy of ``slot``."""
        process = subprocess.Popen(self.command, env=self.env)  # noqa: S603 - our own command line, no shell
        slot.child = Child(slot.number, process, self.clock())
        log.info("supervisor: copy %d started (pid %d)", slot.number, process.pid)

    def _receive(self, timeout: float) -> None:
        """Take every notification waiting (up to ``timeout`` seconds for the first)."""
        for _ in range(READ_PER_TURN):
            if not select.select([self.sock], [], [], timeout)[0]:
                return
            timeout = 0
            data, ancillary, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(UCRED.size))
            pid = next((UCRED.unpack(d[:UCRED.size])[0] for level, kind, d in ancillary
                        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS), None)
            child = next((s.child for s in self.slots if s.child is not None and s.child.process.pid == pid), None)
            if child is not None:
                self._heard(child, data.decode("utf-8", "replace").splitlines())

    def _heard(self, child: Child, lines: list[str]) -> None:
        """Note what a copy said: READY once, WATCHDOG on every turn of its loop."""
        if "READY=1" in lines and not child.ready:
            child.ready = True
            log.info("supervisor: copy %d ready (pid %d)", child.slot, child.process.pid)
        if "READY=1" in lines or "WATCHDOG=1" in lines:
            child.pinged = self.clock()

    def _check(self, now: float) -> None:
        """Start again what exited and is due; stop what hangs."""
        for slot in self.slots:
            child = slot.child
            if child is None:
                if now >= slot.due:
                    slot.restarts += 1
                    self._spawn(slot)
            elif child.process.poll() is not None:
                self._exited(slot, child, now)
            else:
                self._watch(child, now)

    def _exited(self, slot: Slot, child: Child, now: float) -> None:
        """Schedule a copy that exited to start again after a back-off, or give up when it keeps exiting early."""
        slot.child = None
        early = not child.ready or now - child.started < self.healthy_after
        slot.failures = slot.failures + 1 if early else 0
        log.warning("supervisor: copy %d (pid %d) exited with %s%s", slot.number, child.process.pid,
                    child.process.returncode, "" if child.ready else " before it was ready")
        if slot.failures >= self.give_up_after:
            raise SupervisorError(f"copy {slot.number} exited {slot.failures} times in a row before it was ready "
                                  f"or within {self.healthy_after:.0f} s of its start (last exit status "
                                  f"{child.process.returncode}): see its log above")
        slot.due = now + min(30.0, 0.5 * 2 ** slot.failures)

    def _watch(self, child: Child, now: float) -> None:
        """Abort a copy silent past the watchdog (or never ready in time); kill it if the abort did not end it."""
        if child.aborted is not None:
            if now - child.aborted > KILL_AFTER_ABORT:
                child.process.kill()
            return
        silent = now - child.pinged > self.watchdog if child.ready else now - child.started > self.start_timeout
        if silent:
            log.warning("supervisor: copy %d (pid %d) %s: aborted", child.slot, child.process.pid,
                        "stopped pinging" if child.ready else "did not get ready in time")
            child.aborted = now
            _signal(child.process, signal.SIGABRT)


def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
    """Send ``signum`` to ``process`` unless it has already been reaped."""
    if process.poll() is None:
        process.send_signal(signum)
