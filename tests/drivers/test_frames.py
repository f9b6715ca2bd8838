"""SAM frames: hand-checked vectors from public captures, and a decoder that never breaks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.cardreader import frames

# Frames as published in public reader code comments and vendor SDK notes.
FIND_COMMAND = bytes.fromhex("AA AA AA 96 69 00 03 20 01 22")
SAM_STATUS_COMMAND = bytes.fromhex("AA AA AA 96 69 00 03 11 FF ED")
SELECT_COMMAND = bytes.fromhex("AA AA AA 96 69 00 03 20 02 21")
READ_COMMAND = bytes.fromhex("AA AA AA 96 69 00 03 30 01 32")
FIND_OK = bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
FIND_FAILED = bytes.fromhex("AA AA AA 96 69 00 04 00 00 80 84")
SELECT_OK = bytes.fromhex("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C")
SELECT_FAILED = bytes.fromhex("AA AA AA 96 69 00 04 00 00 81 85")
READ_FAILED = bytes.fromhex("AA AA AA 96 69 00 04 00 00 41 45")


def test_commands_match_published_frames() -> None:
    assert frames.command(frames.FIND) == FIND_COMMAND
    assert frames.command(frames.SAM_STATUS) == SAM_STATUS_COMMAND
    assert frames.command(frames.SELECT) == SELECT_COMMAND
    assert frames.command(frames.READ_TEXT_PHOTO) == READ_COMMAND


@pytest.mark.parametrize(
    ("frame", "sw3", "data"),
    [(FIND_OK, 0x9F, bytes(4)), (FIND_FAILED, 0x80, b""), (SELECT_OK, 0x90, bytes(8)),
     (SELECT_FAILED, 0x81, b""), (READ_FAILED, 0x41, b"")],
)
def test_published_responses_decode(frame: bytes, sw3: int, data: bytes) -> None:
    (payload,) = frames.Decoder().feed(frame)
    assert isinstance(payload, bytes)
    response = frames.parse_response(payload)
    assert (response.sw3, response.data) == (sw3, data)
    assert frames.response(sw3, data) == frame


def test_noise_before_a_frame_is_skipped() -> None:
    decoder = frames.Decoder()
    assert decoder.feed(b"\x00\xff\xaa\xaa\x13" + FIND_OK) == [FIND_OK[7:-1]]
    assert decoder.discarded == 5


def test_a_frame_split_into_single_bytes_still_arrives_once() -> None:
    decoder = frames.Decoder()
    out = [item for byte in FIND_FAILED + FIND_OK for item in decoder.feed(bytes([byte]))]
    assert out == [FIND_FAILED[7:-1], FIND_OK[7:-1]]


def test_a_bad_checksum_is_reported_and_the_next_frame_found() -> None:
    broken = FIND_OK[:-1] + b"\x00"
    out = frames.Decoder().feed(broken + FIND_FAILED)
    assert isinstance(out[0], frames.FrameError)
    assert out[-1] == FIND_FAILED[7:-1]


def test_an_impossible_length_is_reported() -> None:
    out = frames.Decoder().feed(frames.PREAMBLE + b"\xff\xff" + bytes(10))
    assert isinstance(out[0], frames.FrameError)
    assert "length" in str(out[0])


def test_a_short_response_payload_is_an_error() -> None:
    with pytest.raises(frames.FrameError):
        frames.parse_response(b"\x00\x00")


@given(st.binary(max_size=3000))
def test_any_bytes_give_payloads_or_frame_errors(noise: bytes) -> None:
    decoder = frames.Decoder()
    for chunk in (noise[i : i + 97] for i in range(0, len(noise), 97)):
        for item in decoder.feed(chunk):
            assert isinstance(item, bytes | frames.FrameError)


@given(st.lists(st.binary(min_size=3, max_size=300), min_size=1, max_size=5), st.binary(max_size=40),
       st.integers(min_value=1, max_value=64))
def test_frames_survive_noise_and_any_chunking(payloads: list[bytes], noise: bytes, size: int) -> None:
    stream = noise.replace(b"\xaa", b"") + b"".join(frames.encode(p) for p in payloads)
    decoder = frames.Decoder()
    out = [item for i in range(0, len(stream), size) for item in decoder.feed(stream[i : i + size])]
    assert [item for item in out if isinstance(item, bytes)] == payloads
