"""The index file: a header naming what it was built from, then packed tables that open without copying."""

from __future__ import annotations

import hashlib
import importlib.util
import struct
import sys
from array import array
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

MAGIC = b"YCPINYIN"
FORMAT = 1
# The builder's version: raise it whenever build.py would write a different index from the same sources.
BUILDER_VERSION = 2  # 2: only characters the kiosk's font draws; the business words jieba lacks
BYTE_ORDER_MARK = 0x01020304  # the tables are native-endian: a file read on the wrong kind of machine is refused

# Table names in file order, and the array type code of their items ("B": plain bytes).
TABLES: tuple[tuple[str, Literal["B", "H", "I"]], ...] = (
    ("syllables", "B"),  # the syllable spellings, newline-separated; a syllable's id is its position
    ("keys", "B"),  # every distinct key (the first letters of a word's syllables), sorted, concatenated
    ("key_bounds", "I"),  # where key g lies in keys: key_bounds[g] to key_bounds[g + 1]
    ("group_bounds", "I"),  # the entries of key g: group_bounds[g] to group_bounds[g + 1]
    ("freqs", "I"),  # each entry's frequency; entries are sorted by key, then by frequency (highest first)
    ("texts", "B"),  # each entry's text, UTF-8, concatenated
    ("text_bounds", "I"),
    ("syls", "H"),  # each entry's syllable ids, concatenated (as many as its key has letters)
    ("syl_bounds", "I"),
    ("by_text", "I"),  # entry numbers in the order of their texts' UTF-8 bytes, for prefix searches
)
HEADER = struct.Struct("=8sII16s")  # magic, format, byte-order mark, signature
TABLE = struct.Struct("=QQ")  # each table's offset and byte length, in TABLES order
ALIGN = 8


class IndexFileError(ValueError):
    """The file is not a pinyin index this code can read."""


def package_folder(name: str) -> Path:
    """Return the folder of an installed package, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise IndexFileError(f"{name} is not installed: the pinyin index is built from it")
    return Path(next(iter(spec.submodule_search_locations)))


def source_files() -> list[Path]:
    """Return the files an index is made from: jieba's dictionary, and pypinyin's code and data."""
    pypinyin = package_folder("pypinyin")
    return [package_folder("jieba") / "dict.txt", *sorted(pypinyin.rglob("*.py"))]


def signature() -> str:
    """Return the hash of the builder's version and of the sources' contents (about 10 ms: read once per process)."""
    digest = hashlib.sha256(f"format {FORMAT}; builder {BUILDER_VERSION}; {sys.byteorder}".encode())
    for path in source_files():
        with path.open("rb") as source:
            digest.update(f"{path.parent.name}/{path.name} ".encode() + hashlib.file_digest(source, "sha256").digest())
    return digest.hexdigest()[:16]


def pack(tables: Mapping[str, bytes], sign: str) -> bytes:
    """Return the whole file: the header, the table directory, then each table on an aligned offset."""
    start = HEADER.size + TABLE.size * len(TABLES)
    directory, body = [], bytearray()
    for name, _code in TABLES:
        body += bytes(-(start + len(body)) % ALIGN)
        directory.append(TABLE.pack(start + len(body), len(tables[name])))
        body += tables[name]
    return HEADER.pack(MAGIC, FORMAT, BYTE_ORDER_MARK, sign.encode("ascii")) + b"".join(directory) + body


def unpack(buffer: memoryview) -> tuple[str, dict[str, memoryview[int]]]:
    """Return the signature and every table of a file's contents, as typed views into ``buffer``."""
    if len(buffer) < HEADER.size + TABLE.size * len(TABLES):
        raise IndexFileError("too short for a pinyin index")
    magic, version, mark, sign = HEADER.unpack_from(buffer)
    if magic != MAGIC or version != FORMAT or mark != BYTE_ORDER_MARK:
        raise IndexFileError("not a pinyin index of this format and byte order")
    spans = []
    for number, (name, code) in enumerate(TABLES):
        offset, length = TABLE.unpack_from(buffer, HEADER.size + TABLE.size * number)
        if offset % ALIGN or length % array(code).itemsize or offset + length > len(buffer):
            raise IndexFileError(f"table {name} lies outside the file")
        spans.append((name, code, offset, length))
    views = {name: buffer[at : at + length].cast(code) for name, code, at, length in spans}
    return sign.decode("ascii", "replace"), views
