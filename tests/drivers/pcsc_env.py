"""A private pcscd with vpcd readers, and virtual cards that speak the vpcd protocol."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from demo.ports import free_port_pair

VPCD = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
Handler = Callable[[bytes], bytes | None]  # None: the card is pulled out during this command


class PrivatePcscd:
    """pcscd in its own user and mount namespace (it hard-codes /run/pcscd), with vpcd readers."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.run = directory / "run"
        self.port = free_port_pair()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        return self.run / "pcscd.comm"

    def start(self) -> None:
        assert shutil.which("pcscd"), "pcscd is in deps/apt-packages.txt"
        assert Path(VPCD).exists(), "vsmartcard-vpcd is in deps/apt-packages.txt"
        self.run.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        conf = self.directory / "reader.conf"
        conf.write_text(f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:{self.port}\n'
                        f"LIBPATH {VPCD}\nCHANNELID {self.port}\n")
        script = (f"mount -t tmpfs tmpfs /run && mkdir -p /run/pcscd && mount --bind {self.run} /run/pcscd && "
                  f"exec pcscd --foreground -c {conf}")
        log = (self.directory / "pcscd.log").open("ab")
        self.process = subprocess.Popen(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                                        stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 15
        while not (self.socket_path.exists() and self._listening()):
            assert self.process.poll() is None, (self.directory / "pcscd.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "pcscd did not start"
            time.sleep(0.05)

    def _listening(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def kill(self) -> None:
        """Kill pcscd hard, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class VirtualCard:
    """A card in a vpcd reader: connects to the reader's port and answers its frames."""

    def __init__(self, port: int, atr: bytes, handler: Handler, persistent: bool = False) -> None:
        self.port, self.atr, self.handler, self.persistent = port, atr, handler, persistent
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.sock: socket.socket | None = None
        self.commands: list[bytes] = []

    def insert(self) -> None:
        self.stop.clear()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def remove(self) -> None:
        self.stop.set()
        if self.sock is not None:
            self.sock.close()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=1)
            except OSError:
                time.sleep(0.1)  # reader not there (pcscd restarting): try again
                continue
            self._serve(self.sock)
            if not self.persistent:
                return

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while not self.stop.is_set():
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                payload = self._receive(sock)
            except OSError:
                return
            if payload is None:
                return
            if len(payload) == 1:
                if payload[0] == 4:
                    self._send(sock, self.atr)
                continue
            self.commands.append(payload)
            answer = self.handler(payload)
            if answer is None:
                sock.close()  # pulled out mid-exchange
                return
            try:
                self._send(sock, answer)
            except OSError:  # removed while it was still answering
                return

    @staticmethod
    def _receive(sock: socket.socket) -> bytes | None:
        header = b""
        while len(header) < 2:
            chunk = sock.recv(2 - len(header))
            if not chunk:
                return None
            header += chunk
        size, data = struct.unpack(">H", header)[0], b""
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    @staticmethod
    def _send(sock: socket.socket, data: bytes) -> None:
        sock.sendall(struct.pack(">H", len(data)) + data)
