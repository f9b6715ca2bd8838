"""BER-TLV parsing and APDU status word handling, from hand-written byte strings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.cardreader.pcsc import apdu, tlv
from drivers.cardreader.pcsc.emv import mask_pan


def test_multi_byte_tags_long_lengths_and_constructed_objects() -> None:
    long_value = bytes(200)
    # 70 81 D2: 210 bytes = 5F20 03 "ABC" (6) + 9F61 81 C8 and 200 bytes (204)
    data = bytes.fromhex("70 81 D2 5F 20 03 41 42 43 9F 61 81 C8") + long_value
    data += bytes.fromhex("BF 0C 00")  # an empty constructed object
    record, empty = tlv.parse(data)
    assert (empty.tag, empty.children) == (0xBF0C, ())
    assert record.tag == 0x70
    assert record.children is not None
    assert [c.tag for c in record.children] == [0x5F20, 0x9F61]
    assert tlv.find([record], 0x5F20).value == b"ABC"  # type: ignore[union-attr]
    assert tlv.find([record], 0x9F61).value == long_value  # type: ignore[union-attr]


def test_padding_between_objects_is_skipped() -> None:
    assert [o.tag for o in tlv.parse(bytes.fromhex("00 00 5A 01 12 FF FF 87 01 01"))] == [0x5A, 0x87]


@pytest.mark.parametrize(
    "data",
    ["5F", "5A 05 01 02", "5A 85 00 00 00 00 01", "5A 80", "70 03 5A 05 01"],
)
def test_malformed_objects_are_refused(data: str) -> None:
    with pytest.raises(tlv.TlvError):
        tlv.parse(bytes.fromhex(data))


def test_nesting_is_bounded() -> None:
    data = b""
    for _ in range(20):
        data = bytes([0x70, len(data)]) + data
    with pytest.raises(tlv.TlvError, match="deep"):
        tlv.parse(data)


def test_a_data_object_list() -> None:
    assert tlv.parse_dol(bytes.fromhex("9F 66 04 9F 02 06 5F 2A 02")) == [(0x9F66, 4), (0x9F02, 6), (0x5F2A, 2)]


@given(st.binary(max_size=600))
def test_any_bytes_parse_or_raise_a_tlv_error(data: bytes) -> None:
    try:
        objects = tlv.parse(data)
    except tlv.TlvError:
        return
    assert all(isinstance(o, tlv.Tlv) for o in objects)


class Card:
    """A scripted card: answers in order, and remembers what it was sent."""

    def __init__(self, *answers: str) -> None:
        self.answers = [bytes.fromhex(a) for a in answers]
        self.sent: list[bytes] = []

    def __call__(self, command: bytes) -> bytes:
        self.sent.append(command)
        return self.answers.pop(0)


def test_61xx_chains_get_response() -> None:
    card = Card("61 02", "AA BB 61 01", "CC 90 00")
    assert apdu.exchange(card, bytes.fromhex("00 A4 04 00 02 3F 00 00")) == bytes.fromhex("AA BB CC")
    assert card.sent[1:] == [bytes.fromhex("00 C0 00 00 02"), bytes.fromhex("00 C0 00 00 01")]


def test_6cxx_resends_with_the_right_le() -> None:
    card = Card("6C 05", "01 02 03 04 05 90 00")
    assert apdu.exchange(card, bytes.fromhex("00 B2 01 0C 00")) == bytes.fromhex("01 02 03 04 05")
    assert card.sent[1] == bytes.fromhex("00 B2 01 0C 05")


@pytest.mark.parametrize(
    ("sw", "error"),
    [("62 83", apdu.WarningStatus), ("63 C2", apdu.WarningStatus), ("65 81", apdu.ExecutionError),
     ("67 00", apdu.WrongLength), ("68 81", apdu.ClaFunctionNotSupported), ("69 85", apdu.CommandNotAllowed),
     ("6A 82", apdu.WrongParameters), ("6B 00", apdu.WrongParameters), ("6D 00", apdu.InsNotSupported),
     ("6E 00", apdu.ClaNotSupported), ("6F 00", apdu.NoPreciseDiagnosis), ("93 02", apdu.NoPreciseDiagnosis)],
)
def test_every_status_word_class_has_its_error(sw: str, error: type[apdu.ApduError]) -> None:
    with pytest.raises(error) as raised:
        apdu.exchange(Card(sw), bytes.fromhex("00 A4 04 00 00"), "SELECT")
    assert raised.value.sw == int(sw.replace(" ", ""), 16)
    assert "SELECT answered" in str(raised.value)


def test_a_card_that_never_finishes_is_cut_off() -> None:
    card = Card(*(["61 01"] * 40))
    with pytest.raises(apdu.NoPreciseDiagnosis, match="never ended"):
        apdu.exchange(card, bytes.fromhex("00 A4 04 00 00"))


def test_card_numbers_are_masked() -> None:
    assert mask_pan("6228480123456789012") == "622848*********9012"
    assert mask_pan("123") == "***"


def test_impossible_card_answers_are_typed_errors() -> None:
    from datetime import date

    from drivers.cardreader.pcsc.emv import BankCardError, _afl, _pdol_data

    with pytest.raises(BankCardError):
        _pdol_data(tlv.parse(bytes.fromhex("9F 38 09 9F 01 7F 9F 02 7F 9F 03 7F")), date(2026, 11, 22))
    with pytest.raises(BankCardError):
        _afl(bytes.fromhex("77 06 94 04 F8 01 01 00"))  # SFI 31
    assert tlv.parse_dol(bytes.fromhex("9F 66 81")) == [(0x9F66, 0x81)]  # one-byte lengths, never BER long form
