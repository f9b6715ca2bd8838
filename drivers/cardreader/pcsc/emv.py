"""Bank IC cards (PBOC 3.0 / UnionPay, after EMV Book 1 and 3): who holds the card.

PPSE (contactless) or PSE (contact) lists the applications; the first that selects is used;
GET PROCESSING OPTIONS with the PDOL gives the AFL; READ RECORD over the AFL gives the
records. Of those we keep only the cardholder data a bank may have written (5F20 name, 9F61
ID number, 9F62 ID type, 5F24 expiry) and the card number (5A), masked at once. Track 2
equivalent data (57) is never kept.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

from drivers.cardreader.pcsc import apdu, tlv
from drivers.cardreader.pcsc.apdu import ApduError, Transmit

PPSE = b"2PAY.SYS.DDF01"
PSE = b"1PAY.SYS.DDF01"
# UnionPay debit, credit, quasi-credit, electronic cash: tried when no directory answers.
UNIONPAY_AIDS = [bytes.fromhex(a) for a in ("A000000333010101", "A000000333010102", "A000000333010103",
                                            "A000000333010106")]
ID_TYPES = {0x00: "居民身份证", 0x01: "军官证", 0x02: "护照", 0x03: "入境证", 0x04: "临时身份证", 0x05: "其他"}
MAX_AID = 16  # bytes of an application identifier (ISO/IEC 7816-4)
MAX_RECORDS = 64  # READ RECORD calls per card, whatever the AFL claims


class BankCardError(Exception):
    """A card that does not behave as a PBOC/EMV card."""


@dataclass(frozen=True, repr=False)
class BankCard:
    """What a bank card says about its holder; the card number is already masked."""

    aid: str
    masked_pan: str
    holder_name: str
    id_number: str
    id_type: str
    expiry: date | None

    def __repr__(self) -> str:
        """Describe without the holder's data."""
        return f"BankCard({self.aid}, {self.masked_pan})"


def mask_pan(digits: str) -> str:
    """Keep the issuer prefix and the last four digits: 622848******9012."""
    if len(digits) < 10:
        return "*" * len(digits)
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def _select_directory(transmit: Transmit, name: bytes) -> list[bytes]:
    """Return the AIDs a payment system directory lists, by priority (empty if none)."""
    try:
        fci = tlv.parse(apdu.exchange(transmit, apdu.select(name), "SELECT " + name.decode()))
    except (ApduError, tlv.TlvError):
        return []
    entries = tlv.find_all(fci, 0x61)
    sfi = tlv.find(fci, 0x88)
    if not entries and sfi is not None and sfi.value and 1 <= sfi.value[0] <= 30:  # contact PSE: records
        entries = _directory_records(transmit, sfi.value[0])
    ranked = []
    for entry in entries:
        aid = tlv.find([entry], 0x4F)
        priority = tlv.find([entry], 0x87)
        if aid is not None and len(aid.value) <= MAX_AID:  # a longer one cannot be SELECTed: skip it
            ranked.append((priority.value[0] & 0x0F if priority and priority.value else 15, aid.value))
    return [aid for _, aid in sorted(ranked, key=lambda pair: pair[0])]


def _directory_records(transmit: Transmit, sfi: int) -> list[tlv.Tlv]:
    """Read the records of a PSE directory file."""
    entries: list[tlv.Tlv] = []
    for record in range(1, 17):
        try:
            data = apdu.exchange(transmit, apdu.read_record(sfi, record), "READ RECORD (PSE)")
        except ApduError:
            break
        entries += tlv.find_all(tlv.parse(data), 0x61)
    return entries


def _pdol_data(fci: list[tlv.Tlv], today: date) -> bytes:
    """Fill the PDOL the card asked for: China's codes, today's date, a fresh random number."""
    pdol = tlv.find(fci, 0x9F38)
    if pdol is None:
        return b""
    known = {
        0x9F1A: b"\x01\x56", 0x5F2A: b"\x01\x56",  # terminal country and currency: China, CNY
        0x9A: bytes.fromhex(f"{today:%y%m%d}"), 0x9F66: b"\x46\x00\x00\x00",  # date; TTQ: contact+qPBOC
        0x9F37: os.urandom(4),  # unpredictable number
    }
    data = b""
    for tag, length in tlv.parse_dol(pdol.value):
        value = known.get(tag, b"")
        data += value[:length].rjust(length, b"\x00")
    if len(data) > 250:
        raise BankCardError(f"the PDOL asks for {len(data)} bytes")
    return data


def _afl(response: bytes) -> list[tuple[int, int, int]]:
    """Return (sfi, first, last) ranges from a GPO response in format 1 (80) or 2 (77)."""
    objects = tlv.parse(response)
    if objects and objects[0].tag == 0x80:
        raw = objects[0].value[2:]
    else:
        found = tlv.find(objects, 0x94)
        raw = found.value if found is not None else b""
    if len(raw) % 4:
        raise BankCardError("the AFL is not a multiple of four bytes")
    ranges = [(raw[i] >> 3, raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 4)]
    if any(not 1 <= sfi <= 30 or first == 0 or last < first for sfi, first, last in ranges):
        raise BankCardError("the AFL names an impossible file or record")
    return ranges


def read_bank_card(transmit: Transmit, today: date) -> BankCard:
    """Read a PBOC/EMV card's holder data through ``transmit``."""
    aids = _select_directory(transmit, PPSE) or _select_directory(transmit, PSE) or UNIONPAY_AIDS
    for aid in aids:
        try:
            fci = tlv.parse(apdu.exchange(transmit, apdu.select(aid), "SELECT AID"))
        except ApduError as exc:
            if exc.sw == apdu.NOT_FOUND:
                continue
            raise
        gpo = apdu.exchange(transmit, apdu.get_processing_options(_pdol_data(fci, today)), "GPO")
        return _holder(aid, _records(transmit, _afl(gpo)))
    raise BankCardError("no UnionPay/PBOC application on this card")


def _records(transmit: Transmit, afl: list[tuple[int, int, int]]) -> dict[int, bytes]:
    """Read the AFL's records and keep the holder tags (first occurrence of each)."""
    wanted = {0x5A, 0x5F20, 0x9F61, 0x9F62, 0x5F24}
    found: dict[int, bytes] = {}
    reads = 0
    for sfi, first, last in afl:
        for record in range(first, last + 1):
            reads += 1
            if reads > MAX_RECORDS:
                raise BankCardError("the AFL lists too many records")
            data = apdu.exchange(transmit, apdu.read_record(sfi, record), "READ RECORD")
            for item in (i for top in tlv.parse(data) for i in top.walk()):
                if item.tag in wanted and item.tag not in found:
                    found[item.tag] = item.value
    return found


def _text(raw: bytes) -> str:
    """Decode a name: ASCII, or GB18030 where Chinese banks wrote Chinese."""
    return raw.decode("gb18030", errors="replace").strip(" \x00")


def _expiry(raw: bytes | None) -> date | None:
    """Decode a YYMMDD BCD date."""
    if raw is None or len(raw) != 3:
        return None
    try:
        text = raw.hex()
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None


def _holder(aid: bytes, tags: dict[int, bytes]) -> BankCard:
    """Assemble the holder data, masking the card number."""
    pan = tags.get(0x5A, b"").hex().upper().rstrip("F")
    id_type = tags.get(0x9F62, b"")
    return BankCard(
        aid=aid.hex().upper(),
        masked_pan=mask_pan(pan) if pan.isdigit() else "",
        holder_name=_text(tags.get(0x5F20, b"")),
        id_number=tags.get(0x9F61, b"").decode("ascii", errors="replace").strip(" \x00").upper(),
        id_type=ID_TYPES.get(id_type[0], "其他") if id_type else "",
        expiry=_expiry(tags.get(0x5F24)),
    )
