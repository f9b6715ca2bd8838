"""APDU exchange: GET RESPONSE after 61xx, resend with the right Le after 6Cxx, typed status words."""

from __future__ import annotations

from collections.abc import Callable

Transmit = Callable[[bytes], bytes]  # sends one APDU, returns data + SW1 SW2
MAX_CHAINED = 32  # GET RESPONSE rounds before we give up on a card that never finishes


class ApduError(Exception):
    """A status word other than 9000; subclasses name the ISO 7816-4 class."""

    def __init__(self, sw: int, command: str = "") -> None:
        """Remember the status word and which command drew it."""
        super().__init__(f"{command} answered {sw:04X}".strip())
        self.sw = sw


class WarningStatus(ApduError):
    """62xx, 63xx: processed with a warning."""


class ExecutionError(ApduError):
    """64xx, 65xx, 66xx: execution failed (66: security)."""


class WrongLength(ApduError):
    """67xx."""


class ClaFunctionNotSupported(ApduError):
    """68xx."""


class CommandNotAllowed(ApduError):
    """69xx (security status, conditions of use, ...)."""


class WrongParameters(ApduError):
    """6Axx, 6Bxx (6A82: file or application not found)."""


class InsNotSupported(ApduError):
    """6Dxx."""


class ClaNotSupported(ApduError):
    """6Exx."""


class NoPreciseDiagnosis(ApduError):
    """6Fxx, and anything outside ISO 7816-4's classes."""


CLASSES: dict[int, type[ApduError]] = {
    0x62: WarningStatus, 0x63: WarningStatus, 0x64: ExecutionError, 0x65: ExecutionError,
    0x66: ExecutionError, 0x67: WrongLength, 0x68: ClaFunctionNotSupported, 0x69: CommandNotAllowed,
    0x6A: WrongParameters, 0x6B: WrongParameters, 0x6D: InsNotSupported, 0x6E: ClaNotSupported,
    0x6F: NoPreciseDiagnosis,
}
NOT_FOUND = 0x6A82


def error_for(sw: int, command: str = "") -> ApduError:
    """Return the typed error of a status word."""
    return CLASSES.get(sw >> 8, NoPreciseDiagnosis)(sw, command)


def exchange(transmit: Transmit, apdu: bytes, name: str = "") -> bytes:
    """Send ``apdu`` and return its data, following 61xx and 6Cxx; raise ApduError otherwise."""
    response = transmit(apdu)
    data = b""
    for _ in range(MAX_CHAINED):
        if len(response) < 2:
            raise NoPreciseDiagnosis(0x6F00, f"{name} (short response)")
        sw1, sw2, body = response[-2], response[-1], response[:-2]
        if sw1 == 0x6C:  # wrong Le: resend the same command with Le = SW2
            response = transmit(_with_le(apdu, sw2))
            continue
        data += body
        if sw1 == 0x61:  # more data waiting: GET RESPONSE
            response = transmit(bytes([apdu[0] & 0x03, 0xC0, 0x00, 0x00, sw2]))
            continue
        if (sw1, sw2) == (0x90, 0x00):
            return data
        raise error_for((sw1 << 8) | sw2, name)
    raise NoPreciseDiagnosis(0x6F00, f"{name} (response never ended)")


def _with_le(apdu: bytes, le: int) -> bytes:
    """Return ``apdu`` with its Le replaced (or added) — case 2 or case 4 short APDUs."""
    if len(apdu) == 4:
        return apdu + bytes([le])
    if len(apdu) == 5:
        return apdu[:4] + bytes([le])
    lc = apdu[4]
    return apdu[: 5 + lc] + bytes([le])


def select(aid: bytes) -> bytes:
    """SELECT by name (DF name / AID), first or only occurrence."""
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid + b"\x00"


def read_record(sfi: int, record: int) -> bytes:
    """READ RECORD ``record`` of short file ``sfi`` (Le 00: as long as the record is)."""
    return bytes([0x00, 0xB2, record, (sfi << 3) | 0x04, 0x00])


def get_processing_options(pdol_data: bytes) -> bytes:
    """GET PROCESSING OPTIONS with the PDOL data in a command template (tag 83)."""
    template = bytes([0x83, len(pdol_data)]) + pdol_data
    return bytes([0x80, 0xA8, 0x00, 0x00, len(template)]) + template + b"\x00"
