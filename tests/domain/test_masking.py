"""Masking of names, ID numbers and phone numbers."""

from __future__ import annotations

import pytest

from domain.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张*丰"), ("李四", "李*"), ("欧阳娜娜", "欧**娜"), ("王", "王"), ("买买提·艾力", "买**·*力"),
     ("王 五", "王 *"), ("王·五", "王·*"), ("SMITH, JOHN ALEXANDER", "S***, J*** A***"),
     ("MUELLER-LUEDENSCHEIDT, ANNA MARIA THEODORA", "M***-L***, A*** M*** T***"), ("LI, Bo", "L*, B*"),
     ("ZHANG/SANFENG", "Z***/S***")],
)
def test_names(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_id_number_keeps_area_and_last_four() -> None:
    assert mask_id_number("110101199003071234") == "110101********1234"


def test_phone() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("123") == "***"
