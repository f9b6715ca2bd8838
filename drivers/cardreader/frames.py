"""Frames of the GA 467 SAM serial protocol, and a decoder that survives a noisy line.

A frame is the preamble ``AA AA AA 96 69``, a 2-byte big-endian length counting every byte
after it, the payload, and a 1-byte XOR checksum over the length bytes and the payload.
A command's payload is command, parameter and data (find card ``20 01``, select ``20 02``,
read text and photo ``30 01``, SAM status ``11 FF``); a response's payload is SW1 SW2 SW3
and data. Checked against public implementations: the command constants and status codes of
Yangyuanxin/BearPi (ZKT_SDK/IDReader.h), the framing of HslCommunication's SAM serial class,
and captured frames quoted in vendor SDK comments, e.g. find ``AA AA AA 96 69 00 03 20 01 22``
answered by ``AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER = len(PREAMBLE) + 2
MAX_LENGTH = 4096  # the longest real frame (text, photo, fingerprint) is about 2.4 KB


class Sw3(IntEnum):
    """Status byte SW3 of a response."""

    SUCCESS = 0x90
    NO_CONTENT = 0x91
    CARD_FOUND = 0x9F
    CHECKSUM_ERROR = 0x10  # the module saw a bad checksum from us
    LENGTH_ERROR = 0x11
    COMMAND_ERROR = 0x21
    NOT_PERMITTED = 0x23
    UNKNOWN_ERROR = 0x24
    CARD_AUTH_FAILED = 0x31
    READER_AUTH_FAILED = 0x32
    VERIFY_FAILED = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORISED = 0x66
    FIND_FAILED = 0x80
    SELECT_FAILED = 0x81


FIND = (0x20, 0x01)
SELECT = (0x20, 0x02)
READ_TEXT_PHOTO = (0x30, 0x01)
SAM_STATUS = (0x11, 0xFF)
RESET = (0x10, 0xFF)


class FrameError(Exception):
    """A frame that cannot be trusted (bad checksum, impossible length)."""


def checksum(body: bytes) -> int:
    """Return the XOR of ``body`` (the length bytes and the payload)."""
    value = 0
    for byte in body:
        value ^= byte
    return value


def encode(payload: bytes) -> bytes:
    """Wrap ``payload`` in a frame."""
    body = (len(payload) + 1).to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def command(code: tuple[int, int], data: bytes = b"") -> bytes:
    """Encode a command frame."""
    return encode(bytes(code) + data)


def response(sw3: int, data: bytes = b"") -> bytes:
    """Encode a response frame (SW1 SW2 are 00 00)."""
    return encode(bytes([0, 0, sw3]) + data)


@dataclass(frozen=True)
class Response:
    """A decoded response."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes


def parse_response(payload: bytes) -> Response:
    """Split a response payload into status words and data."""
    if len(payload) < 3:
        raise FrameError(f"a response needs 3 status bytes, got {len(payload)}")
    return Response(payload[0], payload[1], payload[2], payload[3:])


class Decoder:
    """Turns a byte stream into frame payloads, skipping noise and resynchronising."""

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self.buffer = bytearray()
        self.discarded = 0  # bytes skipped as noise, for diagnostics

    def feed(self, data: bytes) -> list[bytes | FrameError]:
        """Add received bytes; return complete payloads and errors, in order."""
        self.buffer += data
        out: list[bytes | FrameError] = []
        while True:
            start = self.buffer.find(PREAMBLE)
            if start < 0:
                keep = len(PREAMBLE) - 1  # a preamble may be split across reads
                self.discarded += max(len(self.buffer) - keep, 0)
                del self.buffer[: max(len(self.buffer) - keep, 0)]
                return out
            self.discarded += start
            del self.buffer[:start]
            if len(self.buffer) < HEADER:
                return out
            length = int.from_bytes(self.buffer[len(PREAMBLE) : HEADER], "big")
            if not 1 <= length <= MAX_LENGTH:
                out.append(FrameError(f"impossible frame length {length}"))
                del self.buffer[:1]  # resynchronise on the next preamble
                continue
            if len(self.buffer) < HEADER + length:
                return out
            body = bytes(self.buffer[len(PREAMBLE) : HEADER + length - 1])
            received = self.buffer[HEADER + length - 1]
            if checksum(body) != received:
                out.append(FrameError("bad checksum"))
                del self.buffer[:1]
                continue
            out.append(body[2:])
            del self.buffer[: HEADER + length]
