"""Country names for the nationality codes on foreigners' cards."""

from __future__ import annotations

import pytest

from domain.text import Text
from l10n.countries import country


@pytest.mark.parametrize(("code", "name"), [("CAN", Text("加拿大", "Canada")), ("deu", Text("德国", "Germany")),
                                            ("276", Text("德国", "Germany")), ("USA", Text("美国", "United States"))])
def test_alpha_and_numeric_codes_give_both_names(code: str, name: Text) -> None:
    assert country(code) == name


@pytest.mark.parametrize("code", ["", "XX", "ZZZ", "999", "C\u0410N", "CANADA", " \x00 "])
def test_anything_else_is_unknown(code: str) -> None:
    assert country(code) is None
