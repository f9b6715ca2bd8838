"""Byte transports under the SAM protocol: a serial line (pyserial) or a socket (the simulator)."""

from __future__ import annotations

import contextlib
import socket
import termios
from pathlib import Path
from typing import Protocol

import serial

from drivers.cardreader.errors import ReaderUnavailable

# What a vanished serial device raises: pyserial's own error, the OS's, or termios's.
LINE_ERRORS = (serial.SerialException, OSError, termios.error)


class Transport(Protocol):
    """A bidirectional byte stream."""

    def write(self, data: bytes) -> None:
        """Send all of ``data``."""
        ...

    def read(self, size: int, timeout: float) -> bytes:
        """Return up to ``size`` bytes, or b"" when nothing arrives within ``timeout`` seconds."""
        ...

    def close(self) -> None:
        """Release the stream."""
        ...


class SerialTransport:
    """A serial or USB-serial line."""

    def __init__(self, path: str, baud: int) -> None:
        """Open ``path`` at ``baud``; raise ReaderUnavailable if it cannot be opened."""
        if not Path(path).exists():
            raise ReaderUnavailable(f"{path} does not exist (reader unplugged or wrong port)")
        try:
            self.port = serial.Serial(path, baudrate=baud, timeout=0.1, write_timeout=2, exclusive=True)
        except LINE_ERRORS as exc:
            raise ReaderUnavailable(f"cannot open {path}: {exc}") from None

    def write(self, data: bytes) -> None:
        """Send bytes; a vanished device becomes ReaderUnavailable."""
        try:
            self.port.reset_input_buffer()
            self.port.write(data)
            self.port.flush()
        except LINE_ERRORS as exc:
            raise ReaderUnavailable(f"write failed: {exc}") from None

    def read(self, size: int, timeout: float) -> bytes:
        """Read what arrives within ``timeout``."""
        try:
            self.port.timeout = timeout
            first = bytes(self.port.read(1))  # waits up to the timeout for the first byte only
            waiting = self.port.in_waiting if first else 0
            return first + (bytes(self.port.read(min(waiting, size - 1))) if waiting else b"")
        except LINE_ERRORS as exc:
            raise ReaderUnavailable(f"read failed: {exc}") from None

    def close(self) -> None:
        """Close the port."""
        with contextlib.suppress(*LINE_ERRORS):
            self.port.close()


class SocketTransport:
    """One end of a connected socket (the in-process simulator's link)."""

    def __init__(self, sock: socket.socket) -> None:
        """Use ``sock``."""
        self.sock = sock

    def write(self, data: bytes) -> None:
        """Send bytes."""
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise ReaderUnavailable(f"write failed: {exc}") from None

    def read(self, size: int, timeout: float) -> bytes:
        """Read what arrives within ``timeout``; a closed peer is ReaderUnavailable."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(size)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise ReaderUnavailable(f"read failed: {exc}") from None
        if not data:
            raise ReaderUnavailable("the reader closed the line")
        return data

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()
