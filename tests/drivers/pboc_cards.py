"""Virtual PBOC (UnionPay) cards whose answers are written by hand from EMV Book 1/3 and PBOC 3.0.

Every length byte below was counted by hand; the comments show the arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable

OK = bytes.fromhex("9000")
ATR = bytes.fromhex("3B 8C 80 01 50 00 00 00 00 00 00 00 00 00 00 00 00 83")
SELECT_PPSE = bytes.fromhex("00 A4 04 00 0E") + b"2PAY.SYS.DDF01" + b"\x00"
SELECT_AID = bytes.fromhex("00 A4 04 00 08 A0 00 00 03 33 01 01 01 00")
# FCI of the PPSE: 6F(36) = 84 0E "2PAY.SYS.DDF01" (16) + A5 12 (20) = BF0C 0F (18) = 61 0D (15) = 4F 08 AID (10) + 87 01 01 (3)
PPSE_FCI = bytes.fromhex(
    "6F 24 84 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31"
    " A5 12 BF 0C 0F 61 0D 4F 08 A0 00 00 03 33 01 01 01 87 01 01"
)
# FCI of the debit application: 6F(39) = 84 08 AID (10) + A5 1B (29) = 50 0A "PBOC DEBIT" (12) + 9F38 0C PDOL (15)
# PDOL: 9F66 04 (TTQ), 9F02 06 (amount), 9F37 04 (unpredictable number), 5F2A 02 (currency) = 16 bytes of data
AID_FCI = bytes.fromhex(
    "6F 27 84 08 A0 00 00 03 33 01 01 01 A5 1B 50 0A 50 42 4F 43 20 44 45 42 49 54"
    " 9F 38 0C 9F 66 04 9F 02 06 9F 37 04 5F 2A 02"
)
# GPO response format 2: 77(14) = 82 02 7C 00 (AIP, 4) + 94 08 (AFL, 10): SFI 1 record 1; SFI 2 records 1-2
GPO = bytes.fromhex("77 0E 82 02 7C 00 94 08 08 01 01 00 10 01 02 00")
# SFI 1 record 1: 70(62) = 57 13 track 2 (21) + 5F20 0D "ZHANG/SANFENG" (16) + 9F61 12 ID number (21) + 9F62 01 00 (4)
RECORD_1_1 = bytes.fromhex(
    "70 3E 57 13 62 28 48 01 23 45 67 89 01 2D 30 12 20 10 00 00 00 00 0F"
    " 5F 20 0D 5A 48 41 4E 47 2F 53 41 4E 46 45 4E 47"
    " 9F 61 12 33 37 30 33 30 33 31 39 38 35 30 35 31 32 30 30 31 32"
    " 9F 62 01 00"
)
# SFI 1 record 1 of a card that carries no holder data: 70(21) = 57 13 track 2 only
RECORD_1_1_BARE = bytes.fromhex("70 15 57 13 62 28 48 01 23 45 67 89 01 2D 30 12 20 10 00 00 00 00 0F")
# SFI 2 record 1: 70(24) = 5A 0A PAN (12) + 5F24 03 expiry 2030-12-31 (6) + 5F25 03 effective 2020-12-01 (6)
RECORD_2_1 = bytes.fromhex("70 18 5A 0A 62 28 48 01 23 45 67 89 01 2F 5F 24 03 30 12 31 5F 25 03 20 12 01")
# SFI 2 record 2: 70(5) = 8C 03 9F 02 06 (CDOL1)
RECORD_2_2 = bytes.fromhex("70 05 8C 03 9F 02 06")

PAN_MASKED = "622848*********9012"


def pboc_card(record_1_1: bytes = RECORD_1_1, wrong_le: bool = False,
              pull_at_record: bool = False) -> Callable[[bytes], bytes | None]:
    """Answer like a PBOC debit card; ``wrong_le`` answers 61xx to SELECT and 6Cxx to READ RECORD."""
    records = {(0x0C, 1): record_1_1, (0x14, 1): RECORD_2_1, (0x14, 2): RECORD_2_2}
    pending: dict[str, bytes] = {}

    def answer(apdu: bytes) -> bytes | None:
        if apdu == SELECT_PPSE:
            if wrong_le:
                pending["get"] = PPSE_FCI
                return bytes([0x61, len(PPSE_FCI)])
            return PPSE_FCI + OK
        if apdu[:4] == bytes.fromhex("00 C0 00 00") and "get" in pending:
            return pending.pop("get") + OK
        if apdu == SELECT_AID:
            return AID_FCI + OK
        if apdu[:2] == bytes.fromhex("80 A8"):
            # Lc 12 = 83 10 + 16 bytes of PDOL data, then Le
            if apdu[4] != 0x12 or apdu[5:7] != bytes.fromhex("83 10") or len(apdu) != 5 + 0x12 + 1:
                return bytes.fromhex("67 00")
            return GPO + OK
        if apdu[:2] == bytes.fromhex("00 B2"):
            if pull_at_record:
                return None
            record = records.get((apdu[3], apdu[2]))
            if record is None:
                return bytes.fromhex("6A 83")
            if wrong_le and apdu[4] != len(record):
                return bytes([0x6C, len(record)])
            return record + OK
        return bytes.fromhex("6A 82")

    return answer
