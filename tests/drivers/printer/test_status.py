"""DLE EOT answers, as a printer sends them, turned into the status model."""

from __future__ import annotations

import pytest

from drivers.printer.status import parse
from drivers.status import DeviceState


@pytest.mark.parametrize(
    ("answers", "state", "paper", "cover"),
    [
        (("12", "12", "12"), DeviceState.ONLINE, "full", "closed"),
        (("12", "12", "1E"), DeviceState.ONLINE, "low", "closed"),  # 0x0C: near end
        (("1A", "32", "7E"), DeviceState.USER_ERROR, "out", "closed"),  # 0x08 offline, 0x20 paper end, 0x60
        (("1A", "16", "12"), DeviceState.USER_ERROR, "full", "open"),  # 0x04 cover open
        (("1A", "52", "12"), DeviceState.HARDWARE_ERROR, "full", "closed"),  # 0x40 error
    ],
)
def test_answers(answers: tuple[str, str, str], state: DeviceState, paper: str, cover: str) -> None:
    snapshot = parse(*(bytes.fromhex(a) for a in answers), detail={})
    assert snapshot.state is state
    assert snapshot.media == {"paper": paper, "cover": cover}


@pytest.mark.parametrize("answers", [(None, None, None), (b"", b"", b""), (b"\x12", None, b"\x12"),
                                     (b"\xff", b"\x12", b"\x12"), (b"\x00", b"\x00", b"\x00")])
def test_silence_or_garbage_is_offline_never_ok(answers: tuple[bytes | None, ...]) -> None:
    snapshot = parse(answers[0], answers[1], answers[2], detail={})
    assert snapshot.state is DeviceState.OFFLINE
    assert snapshot.media["paper"] == "unknown"
    assert snapshot.error is not None
