"""秒批 rules: the pure evaluator (hostile answers hand the application to a person) and their catalog form."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.catalog_loader import CatalogError, load_catalog
from domain.data import SAMPLE_CATALOG
from domain.instant import Decision, Instant, Rule, RuleKind, Verdict, Why, decide
from domain.text import Text

DAY = date(2026, 12, 4)
RULES = Instant((
    Rule(RuleKind.MIN_AGE, "applicant.birth_date", years=18),
    Rule(RuleKind.ONE_OF, "qualification.category", values=frozenset({"passenger", "cargo"})),
    Rule(RuleKind.NOT_EXPIRED, "applicant.id_valid_until"),
    Rule(RuleKind.WITHIN_DAYS, "loss.date", low=-30, high=0),
), Text("当场领取", "Collect at once"))
GOOD = {"applicant.birth_date": "1990-05-01", "qualification.category": "cargo",
        "applicant.id_valid_until": "2030-01-01", "loss.date": "2026-11-20"}


def with_answer(key: str, value: object) -> dict[str, object]:
    """Return the good answers with ``key`` set to ``value``."""
    return {**GOOD, key: value}


def test_every_rule_held_approves() -> None:
    """Answers that meet every rule are approved at once."""
    assert decide(RULES, GOOD, DAY) == Decision(Verdict.APPROVE)


@pytest.mark.parametrize(("key", "value", "rule"), [
    ("applicant.birth_date", "2008-12-05", 0),  # seventeen: eighteen tomorrow
    ("qualification.category", "dangerous_goods", 1),
    ("applicant.id_valid_until", "2026-12-03", 2),  # expired yesterday
    ("loss.date", "2026-11-03", 3),  # 31 days ago
    ("loss.date", "2026-12-05", 3),  # tomorrow
])
def test_a_rule_not_met_goes_to_a_person(key: str, value: str, rule: int) -> None:
    """A rule that does not hold hands the application to a person, naming the rule: never a refusal."""
    assert decide(RULES, with_answer(key, value), DAY) == Decision(Verdict.PERSON, rule, Why.NOT_MET)


@pytest.mark.parametrize(("key", "value"), [
    ("applicant.birth_date", "2008-12-04"),  # eighteen today
    ("applicant.id_valid_until", "2026-12-04"),  # valid through today
    ("applicant.id_valid_until", "长期"),  # a card valid for life
    ("loss.date", "2026-11-04"),  # 30 days ago
])
def test_boundaries_hold(key: str, value: str) -> None:
    """The stated bounds are inclusive, and a lifelong card is valid."""
    assert decide(RULES, with_answer(key, value), DAY).approved


@pytest.mark.parametrize(("value", "why"), [
    (None, Why.MISSING), ("", Why.MISSING), ([], Why.MISSING),
    (19900501, Why.MALFORMED), (True, Why.MALFORMED), ({"a": 1}, Why.MALFORMED), (1e308, Why.MALFORMED),
    ("1990-02-30", Why.MALFORMED), ("1990-05-01" * 100_000, Why.MALFORMED), ("长期", Why.MALFORMED),
    ("９９９９-01-01", Why.MALFORMED),
])
def test_an_answer_that_cannot_be_read_goes_to_a_person(value: object, why: Why) -> None:
    """Missing, wrongly typed, huge or impossible answers hand the application to a person."""
    assert decide(RULES, with_answer("applicant.birth_date", value), DAY) == Decision(Verdict.PERSON, 0, why)


def test_an_unborn_applicant_is_not_of_age() -> None:
    """A birth date after the day of submission is no age at all."""
    assert decide(RULES, with_answer("applicant.birth_date", "2090-01-01"), DAY).why is Why.NOT_MET


@pytest.mark.parametrize("value", [["cargo"], 7, "x" * 1_000_000])
def test_a_hostile_choice_goes_to_a_person(value: object) -> None:
    """A list, a number or a huge string where one choice belongs cannot decide."""
    assert decide(RULES, with_answer("qualification.category", value), DAY).why is Why.MALFORMED


def test_answers_that_are_not_a_mapping_go_to_a_person() -> None:
    """A body whose answers are not an object decides nothing."""
    assert decide(RULES, ["not", "a", "mapping"], DAY) == Decision(Verdict.PERSON, None, Why.MALFORMED)


@given(st.dictionaries(st.sampled_from(sorted(GOOD)), st.none() | st.booleans() | st.integers() | st.floats()
                       | st.text(max_size=40) | st.lists(st.text(max_size=5), max_size=3)))
def test_any_answers_decide_without_raising(answers: dict[str, object]) -> None:
    """Whatever the answers hold, the evaluator decides; it approves only what meets every rule."""
    decision = decide(RULES, answers, DAY)
    assert decision.approved == (decision.rule is None)
    if decision.approved:
        assert answers["qualification.category"] in {"passenger", "cargo"}


# -- the catalog form ----------------------------------------------------------------------------------------------

def test_the_sample_catalog_marks_a_certificate_reissue() -> None:
    """JT-002 (a certificate re-issue) carries rules over its answers and the card's data."""
    instant = load_catalog(SAMPLE_CATALOG).offering("JT-002").instant
    assert instant is not None
    assert [r.kind for r in instant.rules] == [RuleKind.MIN_AGE, RuleKind.ONE_OF, RuleKind.NOT_EXPIRED]
    assert "窗口" in instant.outcome.zh


def test_a_bundle_is_never_instant() -> None:
    """Only a single item is approved by rules; a bundle's items go to people."""
    catalog = load_catalog(SAMPLE_CATALOG)
    assert all(catalog.offering(code).instant is None for code in catalog.bundles)


def _marked(tmp_path: Path, rules: str) -> Path:
    """Return a copy of the sample catalog whose JT-002 carries ``rules`` instead of its own."""
    root = Path(shutil.copytree(SAMPLE_CATALOG, tmp_path / "catalog"))
    path = root / "items" / "transport.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("rules = [\n  { rule = \"min_age\"")
    end = text.index("]\n", text.index("not_expired", start)) + 2
    path.write_text(text[:start] + f"rules = [{rules}]\n" + text[end:], encoding="utf-8")
    return root


@pytest.mark.parametrize(("rules", "expected"), [
    ('{ rule = "max_age", key = "applicant.birth_date" }', "rules[0].rule"),
    ('{ rule = "min_age", key = "nope.field", years = 1 }', "is not a field of this item"),
    ('{ rule = "min_age", key = "applicant.name", years = 1 }', "needs a date field"),
    ('{ rule = "min_age", key = "applicant.birth_date", years = 151 }', "between 0 and 150"),
    ('{ rule = "min_age", key = "applicant.birth_date", years = "18" }', "whole number"),
    ('{ rule = "min_age", key = "applicant.birth_date", years = 99999999999999999 }', "between 0 and 150"),
    ('{ rule = "within_days", key = "applicant.birth_date", from_days = 5, to_days = 1 }', "before from_days"),
    ('{ rule = "within_days", key = "applicant.birth_date", from_days = -40000, to_days = 1 }', "between"),
    ('{ rule = "one_of", key = "qualification.category", values = ["pilot"] }', "not an option"),
    ('{ rule = "one_of", key = "qualification.category", values = [] }', "1 to 64 values"),
    ('{ rule = "one_of", key = "qualification.category", values = [3] }', "values[0]"),
    ('{ rule = "one_of", key = "applicant.birth_date", values = ["x"] }', "one_of compares"),
    (", ".join(['{ rule = "not_expired", key = "applicant.id_valid_until" }'] * 17), "at most 16 rules"),
])
def test_a_broken_rule_is_located(tmp_path: Path, rules: str, expected: str) -> None:
    """Every rule is typed and bounded when the catalog loads, with the item and the rule named."""
    with pytest.raises(CatalogError) as caught:
        load_catalog(_marked(tmp_path, rules))
    assert "JT-002" in str(caught.value)
    assert expected in str(caught.value)


def test_a_marking_without_rules_is_refused(tmp_path: Path) -> None:
    """An instant marking must state its rules: an empty list approves nothing by accident."""
    with pytest.raises(CatalogError, match=r"instant\.rules"):
        load_catalog(_marked(tmp_path, ""))
