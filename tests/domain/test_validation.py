"""Form validation: every field type, required and conditional fields, bilingual messages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.forms import Condition, FieldType, FormField, FormSchema, Group, Option
from domain.text import Text
from domain.validation import Severity, validate
from tests.domain.strategies import check_digit

TODAY = date(2026, 11, 22)
G = Group("applicant", 10, Text("申请人", "Applicant"))
YES_NO = (Option("yes", Text("是", "Yes")), Option("no", Text("否", "No")))


def field(key: str, kind: FieldType, required: bool = True, **extra: Any) -> FormField:
    return FormField(key, G, kind, Text(f"标签{key}", f"label {key}"), required=required, **extra)


SCHEMA = FormSchema((
    field("a.name", FieldType.TEXT, max_length=10),
    field("a.id", FieldType.ID_NUMBER),
    field("a.phone", FieldType.PHONE),
    field("a.married", FieldType.CHOICE, options=YES_NO),
    field("a.spouse", FieldType.TEXT, when=(Condition("a.married", ("yes",)),)),
    field("a.kinds", FieldType.MULTI_CHOICE, required=False, options=YES_NO),
    field("a.born", FieldType.DATE, required=False),
    field("a.uscc", FieldType.USCC, required=False),
    field("a.amount", FieldType.NUMBER, required=False, min=0, max=1000, integer=True),
    field("a.address", FieldType.ADDRESS, required=False),
    field("a.file", FieldType.FILE_REF, required=False),
    field("a.agree", FieldType.CHECKBOX),
))
ID = "11010519491231002" + check_digit("11010519491231002")
GOOD: dict[str, Any] = {
    "a.name": "  张三 ", "a.id": ID.lower(), "a.phone": "138-0013-8000", "a.married": "no", "a.agree": True,
}


def codes(answers: dict[str, Any]) -> dict[str, str]:
    return {i.key: i.code for i in validate(SCHEMA, answers, TODAY).issues}


def test_good_answers_are_normalized() -> None:
    result = validate(SCHEMA, GOOD, TODAY)
    assert result.ok
    assert result.values == {
        "a.name": "张三", "a.id": ID, "a.phone": "13800138000", "a.married": "no", "a.agree": True,
    }


def test_missing_required_answers_are_each_reported() -> None:
    assert codes({}) == {
        "a.name": "required", "a.id": "required", "a.phone": "required", "a.married": "required_choice",
        "a.agree": "must_tick",
    }


def test_a_missing_choice_asks_to_choose_not_to_fill_in() -> None:
    married = next(i for i in validate(SCHEMA, {}, TODAY).issues if i.key == "a.married")
    assert married.message.zh == "请选择标签a.married。"
    assert married.message.en == "Please choose label a.married."


def test_an_unticked_required_checkbox_blocks() -> None:
    assert codes({**GOOD, "a.agree": False}) == {"a.agree": "must_tick"}


def test_a_conditional_field_applies_only_under_its_condition() -> None:
    assert codes({**GOOD, "a.married": "yes"}) == {"a.spouse": "required"}
    result = validate(SCHEMA, {**GOOD, "a.spouse": "李四"}, TODAY)
    assert result.ok
    assert "a.spouse" not in result.values  # dropped: a.married is "no"


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("a.name", "一二三四五六七八九十一", "too_long"),
        ("a.name", 42, "not_text"),
        ("a.name", "张\x00三", "control_chars"),
        ("a.married", "maybe", "bad_choice"),
        ("a.kinds", ["yes", "perhaps"], "bad_choice"),
        ("a.kinds", "yes", "bad_choice"),
        ("a.born", "2026-02-30", "bad_date"),
        ("a.born", "1800-01-01", "bad_date"),
        ("a.phone", "12345", "bad_phone"),
        ("a.id", ID[:-1] + ("0" if ID[-1] != "0" else "1"), "id_checksum"),
        ("a.uscc", "91110000600037341M", "uscc_invalid"),
        ("a.amount", "abc", "not_a_number"),
        ("a.amount", "NaN", "not_a_number"),
        ("a.amount", True, "not_a_number"),
        ("a.amount", "1.5", "not_integer"),
        ("a.amount", "-1", "too_small"),
        ("a.amount", "1001", "too_large"),
        ("a.agree", "yes", "not_checkbox"),
    ],
)
def test_bad_values_are_named(key: str, value: Any, code: str) -> None:
    assert codes({**GOOD, key: value}) == {key: code}


def test_values_of_each_type_are_kept_in_canonical_form() -> None:
    answers = {
        **GOOD, "a.kinds": ["no", "yes", "no"], "a.born": "1990-03-07", "a.uscc": "91110000600037341l",
        "a.amount": "1,000", "a.address": "山东省聊城市", "a.file": "scan:42",
    }
    result = validate(SCHEMA, answers, TODAY)
    assert result.ok, result.issues
    assert result.values["a.kinds"] == ["yes", "no"]
    assert result.values["a.uscc"] == "91110000600037341L"
    assert result.values["a.amount"] == "1000"


def test_an_answer_to_an_unknown_question_is_an_error() -> None:
    assert codes({**GOOD, "a.nmae": "x"}) == {"a.nmae": "unknown_field"}


def test_an_unknown_area_code_warns_but_does_not_block() -> None:
    first17 = "12345619900101001"
    result = validate(SCHEMA, {**GOOD, "a.id": first17 + check_digit(first17)}, TODAY)
    assert result.ok
    assert [(i.code, i.severity) for i in result.issues] == [("id_area_unknown", Severity.WARNING)]


def test_messages_are_bilingual_and_name_the_field() -> None:
    issue = validate(SCHEMA, {**GOOD, "a.amount": "5000"}, TODAY).issues[0]
    assert issue.message.zh == "标签a.amount不能大于1000。"
    assert issue.message.en == "label a.amount must be at most 1000."


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("a.amount", "1e-999999", "not_a_number"),
        ("a.amount", "1_000", "not_a_number"),
        ("a.born", "20260101", "bad_date"),
        ("a.born", "2026-W01-1", "bad_date"),
        ("a.id", "37030319850512\u0663012", "id_format"),  # an Arabic-Indic digit: isdigit() but not 0-9
    ],
)
def test_lookalike_values_are_refused(key: str, value: Any, code: str) -> None:
    assert codes({**GOOD, key: value}) == {key: code}


def test_full_width_digits_are_folded_to_ascii() -> None:
    result = validate(SCHEMA, {**GOOD, "a.phone": "１３８００１３８０００", "a.amount": "-0"}, TODAY)
    assert result.ok
    assert result.values["a.phone"] == "13800138000"
    assert result.values["a.amount"] == "0"


MONEY = FormSchema((field("m", FieldType.MONEY, max=100000),))
ACCOUNT = FormSchema((field("acct", FieldType.ACCOUNT, max_length=19),))
CODE = FormSchema((field("c", FieldType.CODE, max_length=12),))


@pytest.mark.parametrize(("raw", "value", "code"), [
    ("1200", "1200", None), ("１２００.５", "1200.5", None), ("99.99", "99.99", None), ("0", "0", None),
    ("12.345", None, "too_many_decimals"), ("-5", None, "too_small"), ("100000.01", None, "too_large"),
    ("1e3", None, "not_a_number"), ("十二", None, "not_a_number"),
])
def test_money_is_exact_never_negative_and_has_at_most_two_decimals(raw: str, value: str | None,
                                                                    code: str | None) -> None:
    result = validate(MONEY, {"m": raw}, TODAY)
    assert result.values.get("m") == value
    assert [i.code for i in result.errors] == ([code] if code else [])


@pytest.mark.parametrize(("raw", "value", "code"), [
    ("6222 0212 3456 7890 123", "6222021234567890123", None), ("１２３４５６", "123456", None),
    ("12345", None, "bad_account"), ("62220212345678901234", None, "bad_account"), ("6222-0212", None, "bad_account"),
    ("٦٢٢٢٠٢١٢٣٤٥٦", None, "bad_account"),
])
def test_an_account_is_digits_only_within_its_length(raw: str, value: str | None, code: str | None) -> None:
    result = validate(ACCOUNT, {"acct": raw}, TODAY)
    assert result.values.get("acct") == value
    assert [i.code for i in result.errors] == ([code] if code else [])
    if code == "bad_account":
        assert "6到19位数字" in result.errors[0].message.zh


@pytest.mark.parametrize(("raw", "value", "code"), [
    ("q371500123", "Q371500123", None), ("2020-ab-01", "2020-AB-01", None), ("ＬＣ１２", "LC12", None),
    ("鲁P12345", None, "bad_code"), ("A--1", None, "bad_code"), ("-A1", None, "bad_code"), ("A" * 13, None, "too_long"),
    ("A\x00", None, "bad_code"),
])
def test_a_code_is_capitals_digits_and_single_dashes(raw: str, value: str | None, code: str | None) -> None:
    result = validate(CODE, {"c": raw}, TODAY)
    assert result.values.get("c") == value
    assert [i.code for i in result.errors] == ([code] if code else [])


def test_a_document_valid_for_life_says_so_where_its_validity_is_asked() -> None:
    until = FormField("applicant.id_valid_until", G, FieldType.DATE, Text("有效期", "Valid until"),
                      prefill="identity.valid_until")
    other = FormField("applicant.birth_date", G, FieldType.DATE, Text("出生日期", "Born"))
    result = validate(FormSchema((until, other)), {"applicant.id_valid_until": "长期", "applicant.birth_date": "长期"},
                      TODAY)
    assert result.values == {"applicant.id_valid_until": "长期"}
    assert [(i.key, i.code) for i in result.errors] == [("applicant.birth_date", "bad_date")]
