"""Hypothesis strategies for Chinese identifiers, computed independently of python-stdnum."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

AREAS = ["110101", "310104", "370102", "370303", "371502", "440305", "510107", "650102"]
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of GB 11643, written from the standard."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


@st.composite
def id_numbers(draw: st.DrawFn, areas: list[str] = AREAS) -> str:
    """Draw a valid 18-character resident ID number."""
    area = draw(st.sampled_from(areas))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)
