"""Structure-aware inputs: valid frames, envelopes and documents with a few edits, so the fuzzer reaches deep code.

Byte edits flip, cut, insert, delete and repeat (extend) bytes of a valid input; JSON edits
replace a value anywhere in a valid document with any JSON, delete or add a key, or nest a
value deep in lists. Positions are taken modulo the input's size, so every edit applies.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

POSITION = st.integers(min_value=0, max_value=2**20)
BYTE_EDIT = st.one_of(
    st.tuples(st.just("flip"), POSITION, st.integers(min_value=1, max_value=255)),
    st.tuples(st.just("cut"), POSITION),
    st.tuples(st.just("insert"), POSITION, st.binary(min_size=1, max_size=16)
              | st.sampled_from([b"\x00", b"\xff", b"\x7f", b"\x80", b"\xaa\xaa\xaa\x96\x69", b"\\u0000", b'"'])),
    st.tuples(st.just("delete"), POSITION, st.integers(min_value=1, max_value=32)),
    st.tuples(st.just("repeat"), POSITION, st.integers(min_value=1, max_value=64), st.integers(min_value=2, max_value=40)),
)


def edit_bytes(data: bytes, edits: list[tuple[Any, ...]]) -> bytes:
    """Apply byte ``edits`` to ``data`` in order."""
    out = bytearray(data)
    for op, where, *args in edits:
        at = where % (len(out) + 1)
        if op == "flip" and at < len(out):
            out[at] ^= args[0]
        elif op == "cut":
            del out[at:]
        elif op == "insert":
            out[at:at] = args[0]
        elif op == "delete":
            del out[at : at + args[0]]
        elif op == "repeat":
            out[at:at] = bytes(out[at : at + args[0]]) * args[1]
    return bytes(out)


def mutated(*seeds: bytes, max_edits: int = 4) -> st.SearchStrategy[bytes]:
    """Return one of ``seeds`` with up to ``max_edits`` byte edits."""
    edits = st.lists(BYTE_EDIT, min_size=1, max_size=max_edits)
    return st.tuples(st.sampled_from(seeds), edits).map(lambda pair: edit_bytes(*pair))


TEXT = st.text(max_size=24) | st.sampled_from(
    ["", " ", "\x00", "\x1b[2J", "a\u202eb", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59",
     "2026-11-22T07:00:00", "2026-11-22T07:00:00+00:00", "2026-02-30", "LC0001", "application", "stored", "长期"])
NUMBER = (st.integers(min_value=-(2**80), max_value=2**80) | st.floats()
          | st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 2**63, 2**64, 1e308, 0.5]))
SCALAR = st.none() | st.booleans() | NUMBER | TEXT
JSON = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=10)
PATH = st.lists(st.integers(min_value=0, max_value=2**16), max_size=6)
Edit = tuple[str, list[int], Any]


def edit_strategy(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Edit]:
    """Return JSON edits whose new values come from ``values``."""
    return st.one_of(
        st.tuples(st.just("replace"), PATH, values),
        st.tuples(st.just("delete"), PATH, st.none()),
        st.tuples(st.just("add"), PATH, st.tuples(TEXT, values)),
        st.tuples(st.just("nest"), PATH, st.integers(min_value=1, max_value=150)),
    )


def _children(value: Any) -> list[Any]:
    """Return the keys (of an object) or indexes (of a list) of ``value``."""
    if isinstance(value, dict):
        return sorted(value)
    if isinstance(value, list):
        return list(range(len(value)))
    return []


def edit_json(document: Any, edits: list[Edit]) -> Any:
    """Return a copy of ``document`` with JSON ``edits`` applied (each edit goes down its path, then acts)."""
    root = {"": copy.deepcopy(document)}
    for op, path, arg in edits:
        parent: Any = root
        key: Any = ""
        for step in path:
            children = _children(parent[key])
            if not children:
                break
            parent, key = parent[key], children[step % len(children)]
        if op == "replace":
            parent[key] = arg
        elif op == "delete" and parent is not root:
            del parent[key]
        elif op == "add" and isinstance(parent[key], dict):
            parent[key][arg[0]] = arg[1]
        elif op == "nest":
            for _ in range(arg):
                parent[key] = [parent[key]]
    return root[""]


def json_edits(max_edits: int = 3, values: st.SearchStrategy[Any] = JSON) -> st.SearchStrategy[list[Edit]]:
    """Return lists of up to ``max_edits`` JSON edits."""
    return st.lists(edit_strategy(values), min_size=1, max_size=max_edits)
