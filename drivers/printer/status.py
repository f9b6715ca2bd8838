"""Real-time status: DLE EOT 1, 2 and 4 answers turned into the device status model.

Bits after the ESC/POS reference (fixed bits 1 and 4 are always set in a real answer):
DLE EOT 1: bit 3 offline. DLE EOT 2: bit 2 cover open, bit 5 stopped at paper end, bit 6
error. DLE EOT 4: bits 2-3 paper near end, bits 5-6 paper end. No answer means we do not
know — never that all is well.
"""

from __future__ import annotations

from drivers.status import ClearAction, CoverState, DeviceError, DeviceState, ErrorKind, PaperState, Snapshot

DEVICE = "printer"
DLE_EOT = b"\x10\x04"
FIXED = 0x12


def _valid(answer: bytes | None) -> int | None:
    """Return the status byte if ``answer`` is one (fixed bits set, bit 7 clear)."""
    if not answer or answer[0] & 0x93 != FIXED:
        return None
    return answer[0]


def parse(printer: bytes | None, offline: bytes | None, paper: bytes | None, detail: dict[str, str]) -> Snapshot:
    """Turn the three answers into a snapshot; silence or garbage is OFFLINE with unknown media."""
    state, cause, roll = _valid(printer), _valid(offline), _valid(paper)
    if state is None or cause is None or roll is None:
        error = DeviceError(ErrorKind.HARDWARE, ClearAction.RESET, "no_status",
                            "the printer did not answer the status request (off, unplugged, or busy)")
        return Snapshot(DEVICE, DeviceState.OFFLINE, media={"paper": PaperState.UNKNOWN.value,
                                                           "cover": CoverState.UNKNOWN.value},
                        error=error, detail=detail)
    paper_state = PaperState.OUT if roll & 0x60 else PaperState.LOW if roll & 0x0C else PaperState.FULL
    cover = CoverState.OPEN if cause & 0x04 else CoverState.CLOSED
    media = {"paper": paper_state.value, "cover": cover.value}
    if paper_state is PaperState.OUT or cause & 0x20:
        error = DeviceError(ErrorKind.USER, ClearAction.STAFF, "paper_out", "out of paper: replace the roll")
        return Snapshot(DEVICE, DeviceState.USER_ERROR, media=media, error=error, detail=detail)
    if cover is CoverState.OPEN:
        error = DeviceError(ErrorKind.USER, ClearAction.STAFF, "cover_open", "the printer cover is open")
        return Snapshot(DEVICE, DeviceState.USER_ERROR, media=media, error=error, detail=detail)
    if cause & 0x40 or state & 0x08:
        error = DeviceError(ErrorKind.HARDWARE, ClearAction.MAINTENANCE, "printer_error",
                            "the printer reports an error (cutter or mechanism)")
        return Snapshot(DEVICE, DeviceState.HARDWARE_ERROR, media=media, error=error, detail=detail)
    return Snapshot(DEVICE, DeviceState.ONLINE, media=media, detail=detail)
