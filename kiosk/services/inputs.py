"""Which touch input each form field gets: one per field, chosen from the field's type in the catalog.

Nobody at a kiosk has a keyboard. Card data is shown, not edited; choices are big buttons; dates
are picked, not typed; numbers, phone numbers, ID numbers, credit codes, account numbers and
certificate numbers each get a keypad with exactly the keys they may contain; free text (names,
addresses, the business scope) gets the Chinese keyboard: pinyin, finger handwriting, letters.
"""

from __future__ import annotations

from enum import StrEnum

from domain.forms import FieldType, FormField


class Input(StrEnum):
    """The kinds of touch input the kiosk has."""

    FROM_CARD = "from_card"  # read from the ID card: shown masked, not edited
    CHOICE = "choice"  # one big button per option
    MULTI_CHOICE = "multi_choice"  # big buttons, several may be on
    CHECKBOX = "checkbox"  # one big tick button
    DATE = "date"  # a picker: year, month, day
    DIGITS = "digits"  # whole numbers
    DECIMAL = "decimal"  # numbers and amounts with a decimal point
    PHONE = "phone"  # digits and '-' (a landline's area code)
    ID_NUMBER = "id_number"  # digits and X
    USCC = "uscc"  # digits and the capitals a unified social credit code may hold
    ACCOUNT = "account"  # digits, shown in groups of four
    CODE = "code"  # capital letters, digits and '-'
    CHINESE = "chinese"  # the Chinese keyboard: pinyin, handwriting, letters, digits, punctuation
    DOCUMENTS = "documents"  # documents are scanned at the window: this terminal has no scanner


TYPED = {
    FieldType.CHOICE: Input.CHOICE, FieldType.MULTI_CHOICE: Input.MULTI_CHOICE, FieldType.CHECKBOX: Input.CHECKBOX,
    FieldType.DATE: Input.DATE, FieldType.PHONE: Input.PHONE, FieldType.ID_NUMBER: Input.ID_NUMBER,
    FieldType.USCC: Input.USCC, FieldType.ACCOUNT: Input.ACCOUNT, FieldType.CODE: Input.CODE,
    FieldType.MONEY: Input.DECIMAL, FieldType.TEXT: Input.CHINESE, FieldType.ADDRESS: Input.CHINESE,
    FieldType.FILE_REF: Input.DOCUMENTS,
}
KEYED = frozenset({Input.DIGITS, Input.DECIMAL, Input.PHONE, Input.ID_NUMBER, Input.USCC, Input.ACCOUNT, Input.CODE})
BACKSPACE = "←"
LENGTHS = {Input.DIGITS: 12, Input.DECIMAL: 16, Input.PHONE: 13, Input.ID_NUMBER: 18, Input.USCC: 18,
           Input.ACCOUNT: 30, Input.CODE: 40}


def limit_of(kind: Input, form_field: FormField) -> int:
    """Return how many characters the keypad takes for ``form_field``."""
    if kind in {Input.ACCOUNT, Input.CODE} and form_field.max_length:
        return form_field.max_length
    return LENGTHS[kind]


def edit(value: str, key: str, limit: int) -> str:
    """Return ``value`` after one key (a backspace drops the last character; nothing grows past ``limit``)."""
    if key == BACKSPACE:
        return value[:-1]
    if len(value) >= limit or (key == "." and "." in value):
        return value
    return value + key


def shown(kind: Input, value: str) -> str:
    """Return ``value`` as the citizen reads it (an account in groups of four)."""
    if kind is Input.ACCOUNT:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def input_for(field: FormField, *, from_card: bool = False) -> Input:
    """Return the one touch input of ``field`` (``from_card``: the citizen's card filled it)."""
    if from_card:
        return Input.FROM_CARD
    if field.type is FieldType.NUMBER:
        return Input.DIGITS if field.integer else Input.DECIMAL
    if field.type is FieldType.MONEY and field.integer:
        return Input.DIGITS
    return TYPED[field.type]


def can_be_answered(kind: Input) -> bool:
    """Return whether a citizen can give an answer with this input here (documents need a scanner)."""
    return kind is not Input.DOCUMENTS
