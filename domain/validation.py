"""Validate and normalize form answers, with messages a citizen understands in zh and en."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from domain.forms import FieldType, FieldValue, FormField, FormSchema
from domain.idnumbers import ascii_digits, check_id_number, check_uscc, normalize_phone
from domain.text import Text

DATE_SHAPE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f]")  # C0 and C1 controls, DEL
NUMBER_SHAPE = re.compile(r"^[+-]?[0-9]{1,15}(\.[0-9]{1,6})?$")  # plain decimals; no exponents, no '_'
CODE_SHAPE = re.compile(r"^[0-9A-Z]+(-[0-9A-Z]+)*$")
MIN_ACCOUNT_DIGITS = 6
DEFAULT_MAX_LENGTH = {FieldType.TEXT: 100, FieldType.ADDRESS: 200, FieldType.FILE_REF: 200, FieldType.ACCOUNT: 30,
                      FieldType.CODE: 40}

MESSAGES: dict[str, Text] = {
    "required": Text("请填写{label}。", "Please fill in {label}."),
    "required_choice": Text("请选择{label}。", "Please choose {label}."),
    "must_tick": Text("请阅读并勾选{label}。", "Please read and tick {label}."),
    "not_text": Text("{label}应为文字。", "{label} must be text."),
    "too_long": Text("{label}最多{max}个字。", "{label} can have at most {max} characters."),
    "control_chars": Text(
        "{label}含有无法识别的字符。", "{label} contains characters that cannot be used."
    ),
    "bad_choice": Text("请从列出的选项中选择{label}。", "Please choose {label} from the options shown."),
    "bad_date": Text(
        "{label}不是有效日期，请按 年-月-日 填写。", "{label} is not a valid date; use year-month-day."
    ),
    "bad_phone": Text(
        "{label}不正确：手机号为11位数字，固定电话请加区号。",
        "{label} is not valid: a mobile number has 11 digits; add the area code to a landline.",
    ),
    "id_length": Text("{label}应为18位。", "{label} must have 18 characters."),
    "id_format": Text(
        "{label}格式不对：前17位是数字，最后一位是数字或X。",
        "{label} is not in the right format: 17 digits, then a digit or X.",
    ),
    "id_birth_date": Text("{label}中的出生日期不正确。", "The birth date inside {label} is not valid."),
    "id_checksum": Text(
        "{label}有误，请核对每一位数字。", "{label} is not correct; please check every digit."
    ),
    "id_area_unknown": Text(
        "{label}的地区代码未能识别，请核对；如无误可继续办理。",
        "The area code of {label} was not recognised; check it, and continue if it is right.",
    ),
    "uscc_invalid": Text(
        "{label}有误，请对照营业执照核对这18位字符。",
        "{label} is not correct: check its 18 characters against the business licence.",
    ),
    "not_a_number": Text("{label}应为数字。", "{label} must be a number."),
    "not_integer": Text("{label}应为整数。", "{label} must be a whole number."),
    "too_small": Text("{label}不能小于{min}。", "{label} must be at least {min}."),
    "too_large": Text("{label}不能大于{max}。", "{label} must be at most {max}."),
    "not_checkbox": Text("{label}应为勾选或不勾选。", "{label} must be ticked or not."),
    "bad_account": Text("{label}应为{min}到{max}位数字。", "{label} must have {min} to {max} digits."),
    "bad_code": Text("{label}只能包含大写字母、数字和“-”。", "{label} may only have capital letters, digits and '-'."),
    "too_many_decimals": Text("{label}最多保留两位小数。", "{label} can have at most two decimal places."),
    "unknown_field": Text("此事项不需要填写“{label}”。", "This service does not ask for '{label}'."),
}


class Severity(StrEnum):
    """Errors block submission; warnings are shown but let the citizen go on."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One problem with one answer."""

    key: str
    code: str
    severity: Severity
    message: Text


@dataclass(frozen=True)
class ValidationResult:
    """Normalized answers for the applicable fields, and every issue found."""

    values: dict[str, FieldValue]
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Return the issues that block submission."""
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def ok(self) -> bool:
        """Return whether the answers can be submitted."""
        return not self.errors


class Invalid(Exception):
    """Raised by a type check with an error code and template arguments."""

    def __init__(self, code: str, **params: object) -> None:
        """Remember the error code and its template parameters."""
        super().__init__(code)
        self.code = code
        self.params = params


def issue(
    item: FormField, code: str, severity: Severity = Severity.ERROR, params: dict[str, object] | None = None
) -> Issue:
    """Build an Issue for ``item`` with its message filled in both languages."""
    template = MESSAGES[code]
    return Issue(
        item.key,
        code,
        severity,
        Text(
            template.zh.format(label=item.label.zh, **(params or {})),
            template.en.format(label=item.label.en, **(params or {})),
        ),
    )


def _text(item: FormField, raw: Any, today: date) -> str:
    """Check a free-text answer."""
    if not isinstance(raw, str):
        raise Invalid("not_text")
    value = " ".join(raw.split())
    limit = item.max_length or DEFAULT_MAX_LENGTH.get(item.type, 100)
    if len(value) > limit:
        raise Invalid("too_long", max=limit)
    if CONTROL_CHARS.search(value):
        raise Invalid("control_chars")
    return value


def _choice(item: FormField, raw: Any, today: date) -> str:
    """Check a single choice."""
    if not isinstance(raw, str) or item.option_label(raw) is None:
        raise Invalid("bad_choice")
    return raw


def _multi_choice(item: FormField, raw: Any, today: date) -> list[str]:
    """Check a multiple choice, keeping option order and dropping repeats."""
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise Invalid("bad_choice")
    if any(item.option_label(v) is None for v in raw):
        raise Invalid("bad_choice")
    return [opt.value for opt in item.options if opt.value in raw]


LIFELONG = "长期"  # a document valid for life: what the card says instead of an end date


def _date(item: FormField, raw: Any, today: date) -> str:
    """Check a YYYY-MM-DD date between 1880 and 2100 (or 长期 where a document's validity is asked)."""
    text = str(raw).strip()
    if text == LIFELONG and item.prefill == "identity.valid_until":
        return text
    if not DATE_SHAPE.match(text):
        raise Invalid("bad_date")
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise Invalid("bad_date") from None
    if not 1880 <= parsed.year <= 2100:
        raise Invalid("bad_date")
    return parsed.isoformat()


def _phone(item: FormField, raw: Any, today: date) -> str:
    """Check a mobile or landline number."""
    phone = normalize_phone(str(raw))
    if phone is None:
        raise Invalid("bad_phone")
    return phone


def _uscc(item: FormField, raw: Any, today: date) -> str:
    """Check a unified social credit code."""
    number, error = check_uscc(str(raw))
    if error:
        raise Invalid(error)
    return number


def _number(item: FormField, raw: Any, today: date) -> str:
    """Check a decimal number against the field's bounds; keep it exact as text."""
    if isinstance(raw, bool):
        raise Invalid("not_a_number")
    text = ascii_digits(str(raw)).strip().replace(",", "")
    if not NUMBER_SHAPE.match(text):
        raise Invalid("not_a_number")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Invalid("not_a_number") from None
    if item.integer and value != value.to_integral_value():
        raise Invalid("not_integer")
    if item.min is not None and value < Decimal(str(item.min)):
        raise Invalid("too_small", min=_plain(item.min))
    if item.max is not None and value > Decimal(str(item.max)):
        raise Invalid("too_large", max=_plain(item.max))
    return format(value.normalize() + 0, "f")  # + 0 turns -0 into 0


def _money(item: FormField, raw: Any, today: date) -> str:
    """Check an amount of money: a number within the field's bounds (none below zero) with at most two decimals."""
    amount = _number(item, raw, today)
    if Decimal(amount) < 0:
        raise Invalid("too_small", min=_plain(item.min or 0))
    if "." in amount and len(amount.split(".")[1]) > 2:
        raise Invalid("too_many_decimals")
    return amount


def _account(item: FormField, raw: Any, today: date) -> str:
    """Check an account number: digits only (spaces a citizen reads in groups are dropped)."""
    digits = "".join(ascii_digits(str(raw)).split())
    limit = item.max_length or DEFAULT_MAX_LENGTH[FieldType.ACCOUNT]
    if not digits.isascii() or not digits.isdigit() or not MIN_ACCOUNT_DIGITS <= len(digits) <= limit:
        raise Invalid("bad_account", min=MIN_ACCOUNT_DIGITS, max=limit)
    return digits


def _code(item: FormField, raw: Any, today: date) -> str:
    """Check a certificate, contract or file number: capitals, digits and single dashes."""
    code = "".join(ascii_digits(str(raw)).split()).upper()
    limit = item.max_length or DEFAULT_MAX_LENGTH[FieldType.CODE]
    if len(code) > limit:
        raise Invalid("too_long", max=limit)
    if not code.isascii() or not CODE_SHAPE.match(code):
        raise Invalid("bad_code")
    return code


def _plain(number: float) -> str:
    """Render a bound without a useless '.0'."""
    return str(int(number)) if float(number).is_integer() else str(number)


def _checkbox(item: FormField, raw: Any, today: date) -> bool:
    """Check a tick box."""
    if not isinstance(raw, bool):
        raise Invalid("not_checkbox")
    return raw


CHECKS: dict[FieldType, Callable[[FormField, Any, date], FieldValue]] = {
    FieldType.TEXT: _text,
    FieldType.ADDRESS: _text,
    FieldType.FILE_REF: _text,
    FieldType.CHOICE: _choice,
    FieldType.MULTI_CHOICE: _multi_choice,
    FieldType.DATE: _date,
    FieldType.PHONE: _phone,
    FieldType.USCC: _uscc,
    FieldType.NUMBER: _number,
    FieldType.MONEY: _money,
    FieldType.ACCOUNT: _account,
    FieldType.CODE: _code,
    FieldType.CHECKBOX: _checkbox,
}


def is_blank(raw: Any) -> bool:
    """Return whether an answer counts as not given."""
    return raw is None or raw == [] or (isinstance(raw, str) and not raw.strip())


def validate(schema: FormSchema, answers: dict[str, Any], today: date) -> ValidationResult:
    """Check every applicable answer; drop answers to fields that do not apply."""
    issues: list[Issue] = []
    known = set(schema.keys)
    for key in sorted(set(answers) - known):
        issues.append(Issue(key, "unknown_field", Severity.ERROR, _unknown(key)))
    values: dict[str, FieldValue] = {}
    for item in schema.applicable(answers):
        raw = answers.get(item.key)
        if is_blank(raw) or (item.type is FieldType.CHECKBOX and raw is False and item.required):
            if item.required:
                code = {FieldType.CHECKBOX: "must_tick", FieldType.CHOICE: "required_choice",
                        FieldType.MULTI_CHOICE: "required_choice"}.get(item.type, "required")
                issues.append(issue(item, code))
            continue
        if item.type is FieldType.ID_NUMBER:  # one check gives both the error and the area-code warning
            checked = check_id_number(str(raw), today)
            if checked.error:
                issues.append(issue(item, checked.error))
                continue
            values[item.key] = checked.number
            if checked.warning:
                issues.append(issue(item, checked.warning, Severity.WARNING))
            continue
        try:
            values[item.key] = CHECKS[item.type](item, raw, today)
        except Invalid as exc:
            issues.append(issue(item, exc.code, params=exc.params))
    # A condition may depend on an answer that was itself dropped: settle on what remains.
    kept = {f.key for f in schema.applicable(values)}
    return ValidationResult({k: v for k, v in values.items() if k in kept}, tuple(issues))


def _unknown(key: str) -> Text:
    """Message for an answer to a question the form does not ask."""
    template = MESSAGES["unknown_field"]
    return Text(template.zh.format(label=key), template.en.format(label=key))
