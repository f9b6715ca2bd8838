"""Valid answers for any form, generated from its schema (for tests)."""

from __future__ import annotations

from typing import Any

from domain.forms import FieldType, FormField, FormSchema

ID_NUMBER = "371502199003071230"  # 聊城东昌府, valid check digit
USCC = "91110000600037341L"


def answer(field: FormField) -> Any:
    """Return a valid answer for ``field``."""
    if field.options:
        return [field.options[0].value] if field.type is FieldType.MULTI_CHOICE else field.options[0].value
    if field.type is FieldType.CODE:
        return "Q371500123"[: field.max_length or 10]
    if field.type in {FieldType.NUMBER, FieldType.MONEY}:
        low = field.min if field.min is not None else 0
        return str(int(low) + 1 if field.max is None or low + 1 <= field.max else int(low))
    return {
        FieldType.DATE: "2020-01-01",
        FieldType.PHONE: "13800138000",
        FieldType.ID_NUMBER: ID_NUMBER,
        FieldType.USCC: USCC,
        FieldType.CHECKBOX: True,
        FieldType.FILE_REF: "scan:1",
        FieldType.ACCOUNT: "6222021234567890123",
        FieldType.ADDRESS: "山东省聊城市东昌府区柳园街道",
    }.get(field.type, "张三")


def valid_answers(form: FormSchema) -> dict[str, Any]:
    """Return answers to every question of ``form`` (those that do not apply get dropped)."""
    return {f.key: answer(f) for f in form.fields}
