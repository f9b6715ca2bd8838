"""Checks of Chinese identifiers through python-stdnum, and phone numbers.

`stdnum.cn.ric.validate` also rejects numbers whose area code is unknown to its database,
was created after the birth year, or is 81/82/83 (Hong Kong, Macao, Taiwan residence
permits) or 9x (foreigners' permanent residence, 2023 format). Area codes are assigned at
registration, not birth, and real people carry such numbers, so here only length, format,
birth date and check digit are errors; an unrecognised area code is a warning.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[0-9]{2,3}[0-9]{7,8}$")
ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
# The 2017 foreigner's permanent residence number: three Latin letters (the country) and twelve
# digits. Its check character is not public, so only the shape is checked; it comes from a card.
FOREIGN_2017 = re.compile(r"^[A-Z]{3}[0-9]{12}$")
EARLIEST_BIRTH_YEAR = 1880
# No real "today" is earlier than this software; a terminal whose clock fell back to 1970
# must not turn every citizen away as "born in the future".
SOFTWARE_EPOCH = date(2025, 1, 1)


class IdKind(StrEnum):
    """Which document an 18-character number belongs to, told by its area code."""

    RESIDENT = "resident"  # 居民身份证
    RESIDENCE_PERMIT = "residence_permit"  # 港澳台居民居住证 (81/82/83)
    PERMANENT_RESIDENCE = "permanent_residence"  # 外国人永久居留身份证 (9x)


@dataclass(frozen=True)
class IdCheck:
    """The outcome of checking an ID number: the normalized number and any problems."""

    number: str
    kind: IdKind | None
    error: str | None  # id_length | id_format | id_checksum | id_birth_date
    warning: str | None  # id_area_unknown


def ascii_digits(text: str) -> str:
    """Fold full-width and other compatibility forms to plain ASCII (NFKC): １２３ → 123."""
    return unicodedata.normalize("NFKC", text)


def compact(number: str) -> str:
    """Fold to ASCII, remove spaces and separators, and upper-case the check character."""
    return re.sub(r"[\s\-]", "", ascii_digits(number)).upper()


def kind_of(number: str) -> IdKind:
    """Tell the document kind from the area code of a well-formed number."""
    if number[:2] in {"81", "82", "83"}:
        return IdKind.RESIDENCE_PERMIT
    if number[0] == "9":
        return IdKind.PERMANENT_RESIDENCE
    return IdKind.RESIDENT


def check_id_number(raw: str, today: date) -> IdCheck:
    """Check an ID number: length, format, birth date, check digit and area (a 2017 foreign number: its shape)."""
    number = compact(raw)
    if FOREIGN_2017.match(number):
        return IdCheck(number, IdKind.PERMANENT_RESIDENCE, None, None)
    return _check_18(number, today)


def _check_18(number: str, today: date) -> IdCheck:
    """Check an 18-character number (resident, residence permit or 2023 foreign permanent residence)."""
    if len(number) != 18:
        return IdCheck(number, None, "id_length", None)
    if not ID_SHAPE.match(number):
        return IdCheck(number, None, "id_format", None)
    try:  # what stdnum's get_birth_date reads, without compacting the number once more
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdCheck(number, None, "id_birth_date", None)
    if born > max(today, SOFTWARE_EPOCH) or born.year < EARLIEST_BIRTH_YEAR:
        return IdCheck(number, None, "id_birth_date", None)
    if number[17] != ric.calc_check_digit(number):
        return IdCheck(number, None, "id_checksum", None)
    kind = kind_of(number)
    warning = None
    if kind is IdKind.RESIDENT and not _area_known(number[:6], born.year):
        warning = "id_area_unknown"
    return IdCheck(number, kind, None, warning)


@functools.lru_cache(maxsize=4096)
def _area_known(area: str, year: int) -> bool:
    """Return whether stdnum knows the area code as assigned in ``year`` (its lookup is slow: cached)."""
    try:
        ric.get_birth_place(f"{area}{year:04d}01010000")  # only the area and the birth year are read
    except (ValidationError, KeyError, ValueError):  # stdnum 2.2 raises KeyError for some prefixes
        return False
    return True


def birth_date(number: str) -> date:
    """Return the birth date encoded in a checked ID number."""
    born: date = ric.get_birth_date(number)
    return born


def check_uscc(raw: str) -> tuple[str, str | None]:
    """Check a unified social credit code; return it normalized and an error code or None."""
    number = str(uscc.compact(raw))
    try:
        uscc.validate(number)
    except ValidationError:
        return number, "uscc_invalid"
    return number, None


def normalize_phone(raw: str) -> str | None:
    """Return a mobile or landline number without separators, or None if it is not one."""
    digits = re.sub(r"[\s\-()]", "", ascii_digits(raw)).removeprefix("+86")
    if MOBILE.match(digits) or LANDLINE.match(digits):
        return digits
    return None
