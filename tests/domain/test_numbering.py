"""Application ids and human receipt numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.numbering import (
    ALPHABET,
    NumberError,
    new_application_id,
    parse_receipt_number,
    receipt_number,
)

terminals = st.from_regex(r"[A-HJ-NP-Z][0-9A-HJ-NP-Z]{3,11}", fullmatch=True)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
sequences = st.integers(min_value=1, max_value=9999)


def test_ids_are_uuid7_unique_and_time_ordered() -> None:
    ids = [new_application_id() for _ in range(2000)]
    assert all(i.version == 7 for i in ids)
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)


def test_number_format() -> None:
    number = receipt_number("LC0001", date(2026, 11, 22), 42)
    assert number.startswith("LC0001-261122-0042")
    assert len(number) == len("LC0001-261122-0042") + 1


@given(terminals, days, sequences)
def test_numbers_round_trip(terminal: str, day: date, sequence: int) -> None:
    assert parse_receipt_number(receipt_number(terminal, day, sequence)) == (terminal, day, sequence)


@given(terminals, days, sequences, st.data())
def test_a_single_changed_character_is_caught(
    terminal: str, day: date, sequence: int, data: st.DataObject
) -> None:
    number = receipt_number(terminal, day, sequence)
    positions = [i for i, ch in enumerate(number) if ch != "-"]
    position = data.draw(st.sampled_from(positions))
    pool = "0123456789" if number[position].isdigit() and position > len(terminal) else ALPHABET
    replacement = data.draw(st.sampled_from([c for c in pool if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(NumberError):
        parse_receipt_number(changed)


def test_distinct_terminals_days_and_sequences_give_distinct_numbers() -> None:
    numbers = {
        receipt_number(t, date(2026, 11, d), s)
        for t in ("LC0001", "LC0002", "ZD0001") for d in (21, 22) for s in range(1, 200)
    }
    assert len(numbers) == 3 * 2 * 199


@pytest.mark.parametrize("sequence", [0, 10000])
def test_sequence_out_of_range_is_refused(sequence: int) -> None:
    with pytest.raises(NumberError):
        receipt_number("LC0001", date(2026, 11, 22), sequence)


def test_garbage_is_refused_with_a_clear_message() -> None:
    with pytest.raises(NumberError, match="not a receipt number"):
        parse_receipt_number("hello")
