"""Fuzzing what a card, a SAM module or a printer sends: frames, read data, card text, BER-TLV, APDUs, EMV answers.

Each parser returns a typed value or raises only its documented errors: ``FrameError`` (frames),
``CardDataError`` (a SAM's read data), ``ValueError`` for a text block of the wrong size (card
text), ``TlvError``, ``ApduError``, and for a bank card ``BankCardError``, ``ApduError`` or ``TlvError``.
"""

from __future__ import annotations

import contextlib
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from domain.identity import DocumentType, Identity, Problem
from drivers.cardreader import frames
from drivers.cardreader.cardtext import TEXT_BYTES, parse_text
from drivers.cardreader.errors import CardDataError
from drivers.cardreader.pcsc import apdu, emv, tlv
from drivers.cardreader.pcsc.reader import holder_identity
from drivers.cardreader.sam import _identity
from drivers.printer.status import parse as printer_status
from drivers.status import DeviceState, Snapshot
from tests.drivers import pboc_cards
from tests.fuzz.budget import budget, tally
from tests.fuzz.mutate import mutated

TODAY = date(2026, 11, 22)
PHOTO = b"WL" + bytes(1022)
FIELD_TEXT = st.text(alphabet=st.sampled_from(list("0123456789Xx长期 \x00²٣张三丰AZ\u202e\ud7ff")), max_size=20)


def text_block(fields: dict[tuple[int, int], str], kind: str = "") -> bytes:
    """Lay out UCS-2LE strings at byte ranges of a space-padded block, and the card type at 248."""
    text = bytearray(" ".encode("utf-16-le") * 128)
    for (start, end), value in {**fields, (248, 250): kind}.items():
        raw = value.encode("utf-16-le")[: end - start]
        text[start : start + len(raw)] = raw
    return bytes(text)


RESIDENT = text_block({(0, 30): "张三丰", (30, 32): "1", (32, 36): "01", (36, 52): "19850512", (52, 122): "山东省淄博市",
                       (122, 158): "370303198505120012", (158, 188): "淄博市公安局", (188, 204): "20200101",
                       (204, 220): "长期"})
PERMIT = text_block({(0, 30): "陈大文", (30, 32): "1", (36, 52): "19900101", (122, 158): "810000199001010016",
                     (188, 204): "20200101", (204, 220): "20300101", (220, 238): "H12345678", (238, 242): "01"}, "J")
FOREIGNER = text_block({(0, 120): "SMITH JOHN", (120, 122): "1", (122, 152): "USA110079011508", (152, 158): "USA",
                        (158, 188): "约翰", (188, 204): "20170101", (204, 220): "20270101", (220, 236): "19790115",
                        (236, 240): "01", (240, 248): "1100"}, "I")
FOREIGNER_2023 = text_block({(0, 30): "约翰", (30, 32): "1", (36, 52): "19790115", (52, 122): "SMITH JOHN",
                             (122, 158): "911000197901150018", (188, 204): "20230101", (204, 220): "20330101",
                             (242, 248): "USA"}, "Y")
BLOCKS = (RESIDENT, PERMIT, FOREIGNER, FOREIGNER_2023)
LAYOUT_RANGES = [(0, 30), (30, 32), (32, 36), (36, 52), (52, 122), (122, 158), (158, 188), (188, 204), (204, 220),
                 (220, 242), (242, 248), (248, 250), (250, 256)]


def read_data(text: bytes, photo: bytes = PHOTO) -> bytes:
    """Return a SAM's answer data to READ TEXT AND PHOTO: the two lengths, the text and the photo."""
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo


def check_identity(identity: Identity) -> None:
    """Assert that ``identity`` is fully typed."""
    assert identity.document_type in set(DocumentType)
    assert all(isinstance(p, Problem) for p in identity.problems)
    assert all(isinstance(v, str) for v in (identity.name, identity.id_number, identity.address, identity.nation))
    assert all(d is None or isinstance(d, date) for d in (identity.birth_date, identity.valid_from, identity.valid_until))
    assert repr(identity).startswith("Identity(")


def check_read_data(data: bytes) -> None:
    """Parse a SAM's read data: an Identity or CardDataError."""
    with contextlib.suppress(CardDataError):
        check_identity(_identity(data, TODAY))


FRAMES = [frames.response(0x90, read_data(block)) for block in BLOCKS] + [
    frames.response(0x9F, bytes(4)), frames.response(0x80), frames.command(frames.FIND)]


@given(st.lists(mutated(*FRAMES) | st.binary(max_size=64), min_size=1, max_size=4),
       st.integers(min_value=1, max_value=700))
@example([b"\xaa\xaa\xaa\x96\x69\xff\xff"], 3)
@example([b"\xaa\xaa\xaa\x96\x69\x00\x00" * 3], 1)
@budget("sam frames/stream")
def test_a_noisy_line_gives_payloads_or_frame_errors_and_each_payload_parses(pieces: list[bytes], chunk: int) -> None:
    tally("sam frames/stream")
    stream, decoder, items = b"".join(pieces), frames.Decoder(), []
    for start in range(0, len(stream), chunk):
        items += decoder.feed(stream[start : start + chunk])
    assert decoder.discarded <= len(stream)
    assert len(decoder.buffer) <= len(stream)
    for item in items:
        assert isinstance(item, bytes | frames.FrameError)
        if isinstance(item, bytes):
            assert len(item) < frames.MAX_LENGTH
            try:
                check_read_data(frames.parse_response(item).data)
            except frames.FrameError:
                assert len(item) < 3


@given(mutated(*(f[7:-1] for f in FRAMES)) | st.binary(max_size=8))
@example(b"")
@example(b"\x00\x00")
@budget("sam frames/response")
def test_a_response_payload_is_a_response_or_a_frame_error(payload: bytes) -> None:
    tally("sam frames/response")
    try:
        response = frames.parse_response(payload)
    except frames.FrameError:
        assert len(payload) < 3
        return
    assert bytes([response.sw1, response.sw2, response.sw3]) + response.data == payload


@given(mutated(*(read_data(b) for b in BLOCKS)) | st.binary(max_size=300))
@example(b"\x01\x00\x00\x00")
@example(read_data(RESIDENT, b""))
@budget("sam read data")
def test_a_sams_read_data_is_an_identity_or_a_card_data_error(data: bytes) -> None:
    tally("sam read data")
    check_read_data(data)


@given(st.binary(min_size=TEXT_BYTES, max_size=TEXT_BYTES) | st.binary(max_size=300))
@budget("card text/raw")
def test_any_text_block_is_an_identity_or_a_size_error(text: bytes) -> None:
    tally("card text/raw")
    try:
        check_identity(parse_text(text, b"", TODAY))
    except ValueError:
        assert len(text) != TEXT_BYTES


@given(st.sampled_from(BLOCKS), st.dictionaries(st.sampled_from(LAYOUT_RANGES), FIELD_TEXT | st.binary(max_size=72)),
       st.sampled_from(["", " ", "I", "J", "Y", "\x00", "Z", "\udc00"]))
@budget("card text/fields")
def test_field_shaped_garbage_in_every_layout_is_an_identity(
        base: bytes, fields: dict[tuple[int, int], str | bytes], kind: str) -> None:
    tally("card text/fields")
    text = bytearray(base)
    for (start, end), value in fields.items():
        raw = value if isinstance(value, bytes) else value.encode("utf-16-le", errors="surrogatepass")
        raw = raw[: end - start]
        text[start : start + len(raw)] = raw
    if kind:
        text[248:250] = kind.encode("utf-16-le", errors="surrogatepass")
    check_identity(parse_text(bytes(text), PHOTO, TODAY))


TAGS = [0x4F, 0x50, 0x57, 0x5A, 0x61, 0x6F, 0x70, 0x77, 0x80, 0x82, 0x84, 0x87, 0x88, 0x94, 0xA5, 0xBF0C,
        0x5F20, 0x5F24, 0x9F38, 0x9F61, 0x9F62, 0x9F66, 0x1F8181, 0xDF7F]


def encode_tag(tag: int) -> bytes:
    """Return a tag's bytes."""
    return tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")


def encode_length(length: int, long_form: bool) -> bytes:
    """Return a length in the short form, or the long form when asked or needed."""
    if length < 0x80 and not long_form:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8 or 1, "big")
    return bytes([0x80 | len(raw)]) + raw


TLV_TREE = st.recursive(
    st.tuples(st.sampled_from(TAGS), st.binary(max_size=40), st.booleans()),
    lambda inner: st.tuples(st.sampled_from([0x6F, 0x70, 0x77, 0xA5, 0xBF0C, 0x61, 0xE1]),
                            st.lists(inner, max_size=4), st.booleans()),
    max_leaves=16,
)


def encode_tree(node: tuple[int, bytes | list[object], bool]) -> bytes:
    """Encode a generated TLV tree (a constructed tag's value is its children's encodings)."""
    tag, value, long_form = node
    raw = value if isinstance(value, bytes) else b"".join(encode_tree(child) for child in value)  # type: ignore[arg-type]
    return encode_tag(tag) + encode_length(len(raw), long_form) + raw


def check_tlv(data: bytes) -> None:
    """Parse ``data``: data objects whose values lie inside ``data``, or TlvError."""
    try:
        objects = tlv.parse(data)
    except tlv.TlvError:
        return
    for item in (i for top in objects for i in top.walk()):
        assert isinstance(item, tlv.Tlv)
        assert 0 <= item.tag <= 0xFFFFFFFF
        assert len(item.value) <= len(data)


@given(st.binary(max_size=600))
@example(b"\x5f\xff\xff\xff\xff\xff\x01")
@example(b"\x1f\x81\x81\x81\x01\x00")  # a five-byte tag whose last byte ends it: was accepted
@example(bytes([0x70, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]))
@budget("tlv/raw")
def test_any_bytes_are_data_objects_or_a_tlv_error(data: bytes) -> None:
    tally("tlv/raw")
    check_tlv(data)


@given(st.lists(TLV_TREE, min_size=1, max_size=3).map(lambda trees: b"".join(encode_tree(t) for t in trees))
       .flatmap(lambda valid: st.just(valid) | mutated(valid)))
@example(b"\x70\x02" * 12 + b"\x5a\x00")
@budget("tlv/structured")
def test_generated_and_damaged_data_objects_parse_or_raise_a_tlv_error(data: bytes) -> None:
    tally("tlv/structured")
    check_tlv(data)


@given(mutated(bytes.fromhex("9F 66 04 9F 02 06 9F 37 04 5F 2A 02")) | st.binary(max_size=40))
@budget("tlv/dol")
def test_any_data_object_list_is_pairs_or_a_tlv_error(data: bytes) -> None:
    tally("tlv/dol")
    try:
        pairs = tlv.parse_dol(data)
    except tlv.TlvError:
        return
    assert all(0 <= length <= 255 for _, length in pairs)


ANSWER = st.binary(max_size=8) | st.tuples(st.binary(max_size=40), st.sampled_from(
    [b"\x90\x00", b"\x61\x00", b"\x61\x10", b"\x6c\x05", b"\x6a\x82", b"\x62\x83", b"\x6f\x00", b"\x12\x34"])).map(
    lambda pair: pair[0] + pair[1])


@given(st.lists(ANSWER, min_size=1, max_size=40), st.sampled_from([b"\x00\xa4\x04\x00", b"\x00\xb2\x01\x0c\x00",
                                                                     b"\x80\xa8\x00\x00\x02\x83\x00\x00"]))
@budget("apdu/exchange")
def test_any_card_answers_are_data_or_an_apdu_error(answers: list[bytes], command: bytes) -> None:
    tally("apdu/exchange")
    replies = iter(answers)
    try:
        data = apdu.exchange(lambda _: next(replies, b""), command, "fuzz")
    except apdu.ApduError as exc:
        sw = exc.sw
    else:
        sw = 0x9000 if isinstance(data, bytes) else -1
    assert 0 <= sw <= 0xFFFF


def genuine_answer(command: bytes) -> bytes:
    """Answer like the hand-written PBOC debit card of tests/drivers/pboc_cards.py (a pulled card says 6F00)."""
    return pboc_cards.pboc_card()(command) or b"\x6f\x00"


@given(st.data())
@budget("emv/bank card")
def test_a_bank_card_answering_anything_is_a_holder_or_a_card_error(data: st.DataObject) -> None:
    tally("emv/bank card")

    def transmit(command: bytes) -> bytes:
        """Answer ``command`` with the genuine card's answer, damaged, replaced, or as it is."""
        genuine = genuine_answer(command)
        tree = st.lists(TLV_TREE, min_size=1, max_size=2).map(lambda ts: b"".join(encode_tree(t) for t in ts))
        return data.draw(st.just(genuine) | mutated(genuine) | st.binary(max_size=12)
                         | tree.map(lambda body: body + b"\x90\x00"))

    try:
        card = emv.read_bank_card(transmit, TODAY)
    except (emv.BankCardError, apdu.ApduError, tlv.TlvError):
        return
    assert isinstance(card, emv.BankCard)
    assert sum(c.isdigit() for c in card.masked_pan) <= 10  # the issuer prefix and the last four at most
    try:
        check_identity(holder_identity(card))
    except CardDataError:
        assert not card.masked_pan


LONG_AID = encode_tree((0x6F, [(0xA5, [(0xBF0C, [(0x61, [(0x4F, bytes(300), False)], False)], False)], False)], False))


@example(emv.PPSE, LONG_AID)  # an AID longer than a SELECT can carry: was a ValueError from bytes()
@given(st.sampled_from([emv.PPSE, emv.PSE]), st.lists(TLV_TREE, min_size=1, max_size=2).map(
    lambda ts: b"".join(encode_tree(t) for t in ts)))
@budget("emv/bank card")
def test_a_directory_naming_any_application_is_read_or_refused(directory: bytes, fci: bytes) -> None:
    tally("emv/bank card")

    def transmit(command: bytes) -> bytes:
        """List the generated directory; answer every other command as the genuine card."""
        return fci + b"\x90\x00" if command == apdu.select(directory) else genuine_answer(command)

    try:
        card = emv.read_bank_card(transmit, TODAY)
    except (emv.BankCardError, apdu.ApduError, tlv.TlvError):
        return
    assert isinstance(card, emv.BankCard)


STATUS_BYTE = st.none() | st.binary(max_size=3) | st.integers(min_value=0, max_value=255).map(lambda b: bytes([b]))


@given(STATUS_BYTE, STATUS_BYTE, STATUS_BYTE)
@budget("printer status")
def test_any_printer_status_answers_are_a_snapshot(printer: bytes | None, offline: bytes | None,
                                                   paper: bytes | None) -> None:
    tally("printer status")
    snapshot = printer_status(printer, offline, paper, {"url": "tcp://192.0.2.10:9100"})
    assert isinstance(snapshot, Snapshot)
    assert snapshot.state in set(DeviceState)
