"""秒批 / 即来即批: an item's declarative rules over the answers and card data, decided with no person in the loop.

Every rule must hold for an application to be approved at once. A rule that does not hold, or
cannot decide (a missing answer, a value of the wrong type or shape), hands the application to a
person: the ordinary path. Nothing here ever refuses an application. The evaluator is pure and
never raises on what the application carries; the decision names only a rule's position and why,
never a value, so it may be logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.text import Text

LIFELONG = "长期"  # what a card valid for life says instead of an end date
MAX_RULES = 16
MAX_YEARS = 150
MAX_DAYS = 36_600  # a hundred years either side of the day of submission
MAX_VALUES = 64
MAX_VALUE_LENGTH = 100
DATE_LENGTH = 10  # YYYY-MM-DD: a longer answer is not parsed at all


class RuleKind(StrEnum):
    """What a rule checks."""

    MIN_AGE = "min_age"  # a date field (a birth date) is at least ``years`` before the day of submission
    ONE_OF = "one_of"  # a field's answer is one of ``values``
    WITHIN_DAYS = "within_days"  # a date field lies between ``low`` and ``high`` days from the day of submission
    NOT_EXPIRED = "not_expired"  # a validity end date (the card's, say) is not before the day of submission


class Verdict(StrEnum):
    """What the rules decided."""

    APPROVE = "approve"  # every rule held
    PERSON = "person"  # a rule did not hold or could not decide: a person handles it as usual


class Why(StrEnum):
    """Why an application goes to a person (codes, no values)."""

    NOT_MET = "not_met"
    MISSING = "missing"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class Rule:
    """One declarative condition over the answer with semantic key ``key``."""

    kind: RuleKind
    key: str
    years: int = 0  # min_age
    low: int = 0  # within_days: earliest offset from the day of submission, in days
    high: int = 0  # within_days: latest offset
    values: frozenset[str] = frozenset()  # one_of


@dataclass(frozen=True)
class Instant:
    """An item's 秒批 marking: its rules and what the citizen gets once approved (the result, pickup or delivery)."""

    rules: tuple[Rule, ...]
    outcome: Text


@dataclass(frozen=True)
class Decision:
    """The rules' decision on one application; for a person, the first rule that did not approve and why."""

    verdict: Verdict
    rule: int | None = None
    why: Why | None = None

    @property
    def approved(self) -> bool:
        """Return whether the application is approved at once."""
        return self.verdict is Verdict.APPROVE


class Undecided(Exception):
    """A rule that cannot decide on the answer it was given."""

    def __init__(self, why: Why) -> None:
        """Remember why."""
        super().__init__(why)
        self.why = why


def decide(instant: Instant, values: object, day: date) -> Decision:
    """Return whether ``values`` (answers and card data by semantic key, as received) meet every rule on ``day``."""
    if not isinstance(values, Mapping):
        return Decision(Verdict.PERSON, None, Why.MALFORMED)
    for index, rule in enumerate(instant.rules):
        try:
            held = holds(rule, values.get(rule.key), day)
        except Undecided as exc:
            return Decision(Verdict.PERSON, index, exc.why)
        if not held:
            return Decision(Verdict.PERSON, index, Why.NOT_MET)
    return Decision(Verdict.APPROVE)


def holds(rule: Rule, answer: object, day: date) -> bool:
    """Return whether one rule holds for ``answer``; raise Undecided when it cannot tell."""
    if answer is None or answer in ("", []):
        raise Undecided(Why.MISSING)
    if rule.kind is RuleKind.ONE_OF:
        if not isinstance(answer, str) or len(answer) > MAX_VALUE_LENGTH:
            raise Undecided(Why.MALFORMED)
        return answer in rule.values
    if rule.kind is RuleKind.NOT_EXPIRED and answer == LIFELONG:
        return True
    when = _date(answer)
    if rule.kind is RuleKind.MIN_AGE:
        return when <= day and _age(when, day) >= rule.years
    if rule.kind is RuleKind.WITHIN_DAYS:
        return day + timedelta(days=rule.low) <= when <= day + timedelta(days=rule.high)
    return when >= day


def _date(answer: object) -> date:
    """Return a ``YYYY-MM-DD`` answer as a date, or raise Undecided."""
    if not isinstance(answer, str) or len(answer) != DATE_LENGTH:
        raise Undecided(Why.MALFORMED)
    try:
        return date.fromisoformat(answer)
    except ValueError:
        raise Undecided(Why.MALFORMED) from None


def _age(born: date, day: date) -> int:
    """Return the age in whole years on ``day`` of someone born on ``born``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
