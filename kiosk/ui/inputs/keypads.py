"""Keypads for numbers, phone numbers, ID numbers, credit codes, accounts and certificate numbers.

Each keypad has exactly the keys its field may hold (a credit code has no I, O, S, V or Z), edits
a plain value with at most the field's length, and shows it the way a citizen reads it (an
account in groups of four).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.forms import FormField
from kiosk.services.inputs import BACKSPACE, Input, limit_of
from kiosk.services.inputs import edit as edited
from kiosk.ui.inputs.keys import Key, KeyRows, keys

DIGIT_ROWS = ("123", "456", "789")
USCC_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: capitals except I, O, S, V and Z
LAYOUTS: dict[Input, list[list[Key]]] = {
    Input.DIGITS: [*map(keys, DIGIT_ROWS), [Key(""), Key("0"), Key(BACKSPACE)]],
    Input.DECIMAL: [*map(keys, DIGIT_ROWS), [Key("."), Key("0"), Key(BACKSPACE)]],
    Input.PHONE: [*map(keys, DIGIT_ROWS), [Key("-"), Key("0"), Key(BACKSPACE)]],
    Input.ID_NUMBER: [*map(keys, DIGIT_ROWS), [Key("X"), Key("0"), Key(BACKSPACE)]],
    Input.ACCOUNT: [*map(keys, DIGIT_ROWS), [Key(""), Key("0"), Key(BACKSPACE)]],
    Input.USCC: [keys("1234567890"), keys(USCC_LETTERS[:7]), keys(USCC_LETTERS[7:14]),
                 [*keys(USCC_LETTERS[14:]), Key(BACKSPACE)]],
    Input.CODE: [keys("1234567890"), keys("QWERTYUIOP"), keys("ASDFGHJKL-"), [*keys("ZXCVBNM"), Key(BACKSPACE)]],
}
class FieldKeypad(KeyRows):
    """A field's keypad; what it holds shows on the field itself (marked while it is typed)."""

    def __init__(self, kind: Input, form_field: FormField, value: str, on_change: Callable[[str], Any],
                 **kwargs: Any) -> None:
        """Lay out the keys of ``kind`` starting from ``value``."""
        super().__init__(**kwargs)
        self.kind, self.value, self.on_change = kind, value, on_change
        self.limit = limit_of(kind, form_field)
        self.build(LAYOUTS[kind], self.press)

    def press(self, key: str) -> None:
        """Apply one key and report the new value."""
        self.value = edited(self.value, key, self.limit)
        self.on_change(self.value)
