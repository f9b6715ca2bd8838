"""Read an item's 秒批 marking (``[items.instant]``): its rules, each typed and bounded against the item's form."""

from __future__ import annotations

from typing import Any

from domain.catalog_reader import Reader
from domain.forms import FieldType, FormField, FormSchema
from domain.instant import MAX_DAYS, MAX_RULES, MAX_VALUE_LENGTH, MAX_VALUES, MAX_YEARS, Instant, Rule, RuleKind

DATE_RULES = frozenset({RuleKind.MIN_AGE, RuleKind.WITHIN_DAYS, RuleKind.NOT_EXPIRED})
CHOSEN = frozenset({FieldType.CHOICE, FieldType.TEXT, FieldType.CODE})  # what one_of may compare


def instant_rules(r: Reader, item: dict[str, Any], form: FormSchema) -> Instant | None:
    """Return the item's 秒批 marking, or None when it has none (every application goes to a person)."""
    if "instant" not in item:
        return None
    table = r.table(item, "instant")
    m = r.sub("instant")
    rows = m.tables(table, "rules", required=True)
    if len(rows) > MAX_RULES:
        raise m.error("rules", f"at most {MAX_RULES} rules")
    rules = tuple(_rule(m.sub(f"rules[{index}]"), row, form) for index, row in enumerate(rows))
    return Instant(rules, m.text(table, "outcome"))


def _rule(r: Reader, row: dict[str, Any], form: FormSchema) -> Rule:
    """Read one rule and check it against the field it names."""
    kind = r.enum(row, "rule", RuleKind)
    key = r.string(row, "key")
    try:
        field = form.field(key)
    except KeyError:
        raise r.error("key", f"'{key}' is not a field of this item") from None
    if kind in DATE_RULES and field.type is not FieldType.DATE:
        raise r.error("key", f"{kind} needs a date field; '{key}' is {field.type}")
    if kind is RuleKind.MIN_AGE:
        return Rule(kind, key, years=_bounded(r, row, "years", 0, MAX_YEARS))
    if kind is RuleKind.WITHIN_DAYS:
        low, high = (_bounded(r, row, k, -MAX_DAYS, MAX_DAYS) for k in ("from_days", "to_days"))
        if low > high:
            raise r.error("to_days", f"{high} is before from_days {low}")
        return Rule(kind, key, low=low, high=high)
    if kind is RuleKind.ONE_OF:
        return Rule(kind, key, values=_values(r, row, field))
    return Rule(kind, key)


def _bounded(r: Reader, row: dict[str, Any], key: str, least: int, most: int) -> int:
    """Return a whole number between ``least`` and ``most``."""
    value = r.integer(row, key)
    if not least <= value <= most:
        raise r.error(key, f"must be between {least} and {most}")
    return value


def _values(r: Reader, row: dict[str, Any], field: FormField) -> frozenset[str]:
    """Return the answers a one_of rule accepts: plain strings, a choice field's own options."""
    if field.type not in CHOSEN:
        raise r.error("key", f"one_of compares a choice, text or code field; '{field.key}' is {field.type}")
    values = r.sequence(row, "values")
    if not 1 <= len(values) <= MAX_VALUES:
        raise r.error("values", f"needs 1 to {MAX_VALUES} values")
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value or len(value) > MAX_VALUE_LENGTH:
            raise r.error(f"values[{index}]", f"must be a string of 1 to {MAX_VALUE_LENGTH} characters")
        if field.type is FieldType.CHOICE and field.option_label(value) is None:
            raise r.error(f"values[{index}]", f"'{value}' is not an option of {field.key}")
    return frozenset(values)
