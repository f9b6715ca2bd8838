"""BER-TLV (ISO/IEC 8825-1 as EMV uses it): multi-byte tags, long lengths, constructed objects.

Fuzz-safe: any input gives a list of objects or a TlvError, never another exception, and
nesting is bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MAX_DEPTH = 8


class TlvError(ValueError):
    """Bytes that are not well-formed BER-TLV."""


@dataclass(frozen=True)
class Tlv:
    """One data object; ``children`` is set for constructed tags."""

    tag: int
    value: bytes
    children: tuple[Tlv, ...] | None = None

    def walk(self) -> Iterator[Tlv]:
        """Yield this object and every object nested in it, depth first."""
        yield self
        for child in self.children or ():
            yield from child.walk()


def _tag(data: bytes, pos: int) -> tuple[int, bool, int]:
    """Read a tag at ``pos``: (tag number as int, constructed?, next position)."""
    first = data[pos]
    constructed = bool(first & 0x20)
    tag, pos = first, pos + 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise TlvError("tag runs past the end")
            tag = (tag << 8) | data[pos]
            pos += 1
            if tag > 0xFFFFFFFF:
                raise TlvError("tag longer than 4 bytes")
            if not data[pos - 1] & 0x80:
                break
    return tag, constructed, pos


def _length(data: bytes, pos: int) -> tuple[int, int]:
    """Read a length at ``pos``: (length, next position)."""
    if pos >= len(data):
        raise TlvError("length missing")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > 4 or pos + 1 + count > len(data):
        raise TlvError(f"bad long length form {first:#04x}")
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def parse(data: bytes, depth: int = 0) -> list[Tlv]:
    """Parse a sequence of data objects; 00 and FF padding between objects is skipped."""
    if depth > MAX_DEPTH:
        raise TlvError("nested too deep")
    out: list[Tlv] = []
    pos = 0
    while pos < len(data):
        if data[pos] in (0x00, 0xFF):
            pos += 1
            continue
        tag, constructed, pos = _tag(data, pos)
        length, pos = _length(data, pos)
        if pos + length > len(data):
            raise TlvError(f"tag {tag:X} claims {length} bytes, {len(data) - pos} left")
        value = data[pos : pos + length]
        pos += length
        out.append(Tlv(tag, value, tuple(parse(value, depth + 1)) if constructed else None))
    return out


def find(objects: list[Tlv], tag: int) -> Tlv | None:
    """Return the first object with ``tag`` anywhere in ``objects``."""
    for top in objects:
        for item in top.walk():
            if item.tag == tag:
                return item
    return None


def find_all(objects: list[Tlv], tag: int) -> list[Tlv]:
    """Return every object with ``tag`` anywhere in ``objects``."""
    return [item for top in objects for item in top.walk() if item.tag == tag]


def parse_dol(data: bytes) -> list[tuple[int, int]]:
    """Parse a data object list (e.g. PDOL): (tag, length) pairs without values."""
    out: list[tuple[int, int]] = []
    pos = 0
    while pos < len(data):
        tag, _, pos = _tag(data, pos)
        if pos >= len(data):
            raise TlvError("DOL entry without a length")
        out.append((tag, data[pos]))  # a DOL length is always one byte
        pos += 1
    return out
