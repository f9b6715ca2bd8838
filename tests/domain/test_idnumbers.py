"""ID number and USCC checks: python-stdnum for the arithmetic, our rules for the area code."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.idnumbers import IdKind, check_id_number, check_uscc, normalize_phone
from tests.domain.strategies import check_digit, id_numbers

TODAY = date(2026, 11, 22)


@given(id_numbers())
def test_generated_valid_numbers_pass(number: str) -> None:
    result = check_id_number(number, TODAY)
    assert result.error is None
    assert result.kind is IdKind.RESIDENT
    assert result.number == number


@given(id_numbers(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_fails(number: str, position: int, shift: int) -> None:
    changed_digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]
    assert check_id_number(changed, TODAY).error is not None


@given(id_numbers())
def test_a_wrong_check_character_is_a_checksum_error(number: str) -> None:
    wrong = next(c for c in "0123456789X" if c != number[-1])
    assert check_id_number(number[:-1] + wrong, TODAY).error == "id_checksum"


def test_lower_case_x_and_spaces_are_normalized() -> None:
    first17 = "11010519491231002"
    number = first17 + check_digit(first17)
    assert number.endswith("X")
    result = check_id_number(" " + number[:6] + " " + number[6:].lower(), TODAY)
    assert result.error is None
    assert result.number == number


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("11010119900307123", "id_length"),
        ("1101011990030712345", "id_length"),
        ("11010119900A071234", "id_format"),
        ("110101199013071234", "id_birth_date"),
        ("110101199002301234", "id_birth_date"),
    ],
)
def test_malformed_numbers_name_their_problem(raw: str, error: str) -> None:
    assert check_id_number(raw, TODAY).error == error


def test_a_birth_date_in_the_future_is_an_error() -> None:
    first17 = "11010120300101001"
    assert check_id_number(first17 + check_digit(first17), TODAY).error == "id_birth_date"


def test_an_unknown_area_code_is_only_a_warning() -> None:
    first17 = "12345619900101001"  # 123456 is no area code
    result = check_id_number(first17 + check_digit(first17), TODAY)
    assert result.error is None
    assert result.warning == "id_area_unknown"


@pytest.mark.parametrize(
    ("area", "kind"),
    [
        ("810000", IdKind.RESIDENCE_PERMIT),
        ("830000", IdKind.RESIDENCE_PERMIT),
        ("937156", IdKind.PERMANENT_RESIDENCE),
    ],
)
def test_permit_and_permanent_residence_numbers_are_accepted(area: str, kind: IdKind) -> None:
    first17 = f"{area}19850615002"
    result = check_id_number(first17 + check_digit(first17), TODAY)
    assert (result.error, result.warning, result.kind) == (None, None, kind)


def test_uscc() -> None:
    assert check_uscc("91110000600037341L") == ("91110000600037341L", None)
    assert check_uscc("91110000600037341M")[1] == "uscc_invalid"
    assert check_uscc("9111000060003734")[1] == "uscc_invalid"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("138 0013 8000", "13800138000"), ("+8613800138000", "13800138000"), ("0635-8888888", "06358888888"),
     ("12800138000", None), ("1380013800", None), ("8888888", None)],
)
def test_phone(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_a_clock_reset_to_1970_does_not_reject_real_birth_dates() -> None:
    first17 = "37030319850512001"
    assert check_id_number(first17 + check_digit(first17), date(1970, 1, 1)).error is None


def test_a_2017_foreign_permanent_residence_number_passes_on_its_shape() -> None:
    checked = check_id_number("can370087011502", TODAY)
    assert (checked.number, checked.kind, checked.error) == ("CAN370087011502", IdKind.PERMANENT_RESIDENCE, None)
    assert check_id_number("CA3700870115021", TODAY).error == "id_length"
