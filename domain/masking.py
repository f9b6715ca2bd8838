"""Masking of personal data where it is shown or printed but not needed in full."""

from __future__ import annotations

import re

KEEP = frozenset("·• -")
LATIN_WORD = re.compile(r"[A-Za-z]+")


def mask_name(name: str) -> str:
    """Keep the first and last character of a name: 张三丰 → 张*丰, 李四 → 李*; a Latin name by its initials."""
    name = name.strip()
    if name.isascii():  # SMITH, JOHN → S***, J***: short enough for a receipt line, its shape known to its holder
        return LATIN_WORD.sub(lambda word: word[0][0] + "*" * min(3, len(word[0]) - 1), name)
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    middle = "".join(ch if ch in KEEP else "*" for ch in name[1:-1])
    if "*" not in middle:  # 王 五, 王·五: no letter in the middle, so hide the last one
        return name[0] + middle + "*"
    return name[0] + middle + name[-1]


def mask_id_number(number: str) -> str:
    """Keep the area code and the last four characters: 110101********1234."""
    number = number.strip()
    if len(number) == 18:
        return number[:6] + "*" * 8 + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits: 138****5678."""
    phone = phone.strip()
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_address(address: str) -> str:
    """Keep the first six characters (province and city, at most): 山东省淄博市****."""
    address = address.strip()
    return address[:6] + "****" if len(address) > 6 else address


def mask_date(text: str) -> str:
    """Keep the year of an ISO date: 1985-**-**."""
    return text[:4] + "-**-**" if len(text) == 10 else text
