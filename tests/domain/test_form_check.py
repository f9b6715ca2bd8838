"""The prepared form check central runs per application gives ``check(...).ok``'s verdict on any answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.application import Draft, check
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from domain.form_check import FormCheck
from domain.forms import ID_PREFILL
from tests.domain.answers import ID_NUMBER, valid_answers

CATALOG = load_catalog(SAMPLE_CATALOG)
OFFERINGS = sorted([*CATALOG.items, *CATALOG.bundles])
TODAY = date(2026, 12, 4)
ODD_VALUES: list[Any] = [
    None, "", "   ", [], False, True, 0, 5, 3.5, "x", "张三", "13800138000", "12345", "2020-01-01", "2020-13-45",
    "长期", ID_NUMBER, "370303198505120013", "-1", "1e5", "１２３", "12.345", "\x01", "a" * 300, ["x"], [1],
    "resident_id", "mail", "male", "6222021234567890123", "Q-371500", "q 37", "91110000600037341L",
]


def verdicts(code: str, answers: dict[str, Any]) -> tuple[bool, bool]:
    """Return (the prepared check's verdict, check(...).ok) for ``answers`` to offering ``code``."""
    offering = CATALOG.offering(code)
    return FormCheck(offering).passes(answers, TODAY), check(Draft(offering, answers), TODAY).ok


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """Draw an offering and valid answers to it with a few answers dropped, replaced or added."""
    code = draw(st.sampled_from(OFFERINGS))
    form = CATALOG.offering(code).form
    answers = valid_answers(form)
    options = [o.value for f in form.fields for o in f.options]
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from([*form.keys, "not.a.question"]))
        if draw(st.booleans()):
            answers.pop(key, None)
        else:
            answers[key] = draw(st.sampled_from(ODD_VALUES + options))
    return code, answers


def test_valid_answers_pass_every_offering_and_a_wrong_answer_fails_it() -> None:
    for code in OFFERINGS:
        answers = valid_answers(CATALOG.offering(code).form)
        assert verdicts(code, answers) == (True, True), code
        assert verdicts(code, {**answers, "not.a.question": "x"}) == (False, False), code


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_the_prepared_check_agrees_with_the_kiosk_validation(case: tuple[str, dict[str, Any]]) -> None:
    code, answers = case
    prepared, kiosk = verdicts(code, answers)
    assert prepared == kiosk


def test_the_holder_number_is_the_card_filled_id_number_as_the_form_reads_it() -> None:
    code = next(c for c in OFFERINGS if any(f.prefill == ID_PREFILL for f in CATALOG.offering(c).form.fields))
    offering = CATALOG.offering(code)
    answers = valid_answers(offering.form)
    key = next(f.key for f in offering.form.fields if f.prefill == ID_PREFILL)
    answers[key] = " 370303 19850512001x "
    assert FormCheck(offering).holder_number(answers) == offering.form.holder_number(answers) == "37030319850512001X"
    assert FormCheck(offering).holder_number({}) is None
