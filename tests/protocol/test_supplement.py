"""The supplement body (补齐): what a terminal seals, and every way central refuses what it cannot use."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.catalog import SupplementWay
from domain.supplement import Supplied
from protocol.envelope import EnvelopeError, Header
from protocol.supplement import SupplementBody, read

ID = "01a201dc-1a8f-77b4-99a0-eceedf0f2656"
HEADER = Header("LC0002", 7, ID, "supplement", "2026-12-04T09:00:00+00:00", "boot")
BODY = SupplementBody(ID, "LC0002", "LC0001-261122-0001X", "370303198505120012",
                      (Supplied("photo", SupplementWay.HAND_IN), Supplied("household_register", SupplementWay.DECLARE)),
                      "2026.12.1", "sha256:ab", "2026-12-04T09:00:00+00:00")


def edited(**changed: Any) -> bytes:
    """Return the genuine body's JSON with fields replaced (a value of ... removes the field)."""
    data = json.loads(BODY.as_json())
    data.update(changed)
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


def test_a_body_reads_back_as_it_was_sealed() -> None:
    assert read(BODY.as_json(), HEADER) == BODY


@pytest.mark.parametrize("body", [
    b"", b"\xff\xfe", b"[]", b'"x"', b"[" * 100_000, b"{}" + b" " * 5000,
    edited(id="01a201dc-1a8f-77b4-99a0-eceedf0f2657"),  # another message's id
    edited(terminal_id="LC0001"),  # not the terminal that signed it
    edited(extra=1), edited(holder=...),
    edited(number="LC0001-261122-0001Y"),  # a wrong check character
    edited(number="lc0001-261122-0001x"), edited(number=12),
    edited(holder="3703 0319 8505 1200 12"), edited(holder="370303198505120012" * 5), edited(holder=None),
    edited(materials=[]), edited(materials={"photo": "hand_in"}),
    edited(materials=[{"material": "photo", "way": "post"}]),
    edited(materials=[{"material": "../etc", "way": "hand_in"}]),
    edited(materials=[{"material": "photo", "way": "hand_in", "note": "x"}]),
    edited(materials=[{"material": "photo", "way": True}]),
    edited(materials=[{"material": f"m{n}", "way": "hand_in"} for n in range(11)]),
    edited(created_at="2026-12-04T09:00:00"),  # no offset
    edited(created_at="yesterday"), edited(catalog_version=""), edited(catalog_hash="x" * 101),
    b'{"id":"a","id":"b"}',
])
def test_every_hostile_body_is_bad_content(body: bytes) -> None:
    with pytest.raises(EnvelopeError) as refused:
        read(body, HEADER)
    assert refused.value.code == "bad_content"
    assert "370303198505120012" not in str(refused.value)  # never the card's number in a log line
