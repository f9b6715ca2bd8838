"""The body of an uplink ``supplement`` envelope (补齐): which application, whose card, what is supplied and how.

It travels like an application — sealed to central's key, signed by the terminal, queued in the
store's outbox until central acknowledges it — because it holds the ID number read from the
citizen's card (central checks it against the application's holder through its blind index).
``read`` is the only way central takes one: every byte is typed and bounded here, and anything
else is ``bad_content`` for that one envelope.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.catalog import SupplementWay
from domain.numbering import NumberError, parse_receipt_number
from domain.supplement import MAX_MATERIALS, Supplied
from protocol.envelope import EnvelopeError, Header

FIELDS = frozenset({"id", "terminal_id", "number", "holder", "materials", "catalog_version", "catalog_hash",
                    "created_at"})
MAX_BODY = 4096  # bytes of a supplement's body
MAX_TEXT = 100  # characters of a catalog version or hash, or a time
MATERIAL = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")  # a material id, as central's owed list holds them
HOLDER = re.compile(r"^[0-9A-Z]{15,18}$")  # the ID number the card read (upper case, no spaces)


@dataclass(frozen=True)
class SupplementBody:
    """A supplement as the terminal sends it; ``holder`` is personal (central keeps only its blind index)."""

    id: str
    terminal_id: str
    number: str  # the application's receipt number
    holder: str
    materials: tuple[Supplied, ...]
    catalog_version: str  # the catalog the terminal showed the ways from
    catalog_hash: str
    created_at: str

    def as_json(self) -> bytes:
        """Return the body's bytes as sealed into the envelope."""
        data: dict[str, Any] = {name: getattr(self, name) for name in FIELDS if name != "materials"}
        data["materials"] = [{"material": s.material, "way": s.way.value} for s in self.materials]
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def _bad(detail: str) -> EnvelopeError:
    """Return the refusal of one envelope's content (no personal data in the detail)."""
    return EnvelopeError("bad_content", f"supplement: {detail}")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build an object, refusing a key given twice."""
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _bad("a key given twice")
    return result


def _text(data: dict[str, Any], name: str, pattern: re.Pattern[str] | None = None) -> str:
    """Return a bounded string field (matching ``pattern`` if given)."""
    value = data[name]
    if not isinstance(value, str) or not 0 < len(value) <= MAX_TEXT or (pattern and not pattern.fullmatch(value)):
        raise _bad(f"field {name}")
    return value


def _materials(value: object) -> tuple[Supplied, ...]:
    """Return the supplied materials: 1 to MAX_MATERIALS objects of a material id and a way."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_MATERIALS:
        raise _bad("materials")
    found = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"material", "way"}:
            raise _bad("a material entry")
        way = item["way"]
        if not isinstance(way, str) or way not in {w.value for w in SupplementWay}:
            raise _bad("a way")
        found.append(Supplied(_text(item, "material", MATERIAL), SupplementWay(way)))
    return tuple(found)


def read(body: bytes, header: Header) -> SupplementBody:
    """Return the supplement an envelope's decrypted body holds; raise EnvelopeError('bad_content') otherwise."""
    if len(body) > MAX_BODY:
        raise _bad("too long")
    try:
        data = json.loads(body.decode("utf-8"), object_pairs_hook=_unique)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _bad("not UTF-8 JSON") from None
    if not isinstance(data, dict) or set(data) != FIELDS:
        raise _bad("fields")
    if data["id"] != header.id or data["terminal_id"] != header.terminal:
        raise _bad("the id or terminal is not the envelope's")
    number = _text(data, "number")
    try:
        parse_receipt_number(number)
        if number != number.strip().upper():
            raise ValueError(number)
        created = _text(data, "created_at")
        if datetime.fromisoformat(created).tzinfo is None:
            raise ValueError(created)
    except (NumberError, ValueError):
        raise _bad("the receipt number or the time") from None
    return SupplementBody(header.id, header.terminal, number, _text(data, "holder", HOLDER),
                          _materials(data["materials"]), _text(data, "catalog_version"),
                          _text(data, "catalog_hash"), created)
