"""An offering's answer check prepared once: the verdict of ``application.check`` without building any message.

Central re-validates every application it receives against the form of the catalog version it was
made under. ``validate`` is written for the kiosk (every issue, with its message in two languages);
central needs only whether the answers pass, for thousands of applications of the same few forms.
``FormCheck`` precomputes what does not depend on the answers (the known keys, each field's check,
the option values of choices, which item questions a bundle asks) and stops at the first error,
running the very same per-type checks, so its verdict is ``check(...).ok`` (tested side by side).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.catalog import Offering
from domain.forms import ID_PREFILL, FieldType, FormField, FormSchema
from domain.idnumbers import check_id_number
from domain.validation import CHECKS, Invalid, is_blank

Passes = Callable[[FormField, Any, date], bool]


def _id_number(item: FormField, raw: Any, today: date) -> bool:
    """Pass an ID number with no error (the area-code warning lets the citizen go on)."""
    return check_id_number(str(raw), today).error is None


def _typed(item: FormField, raw: Any, today: date) -> bool:
    """Pass an answer its type's check (domain.validation.CHECKS) takes."""
    try:
        CHECKS[item.type](item, raw, today)
    except Invalid:
        return False
    return True


def _in_options(options: frozenset[str]) -> Passes:
    """Pass a choice among ``options``: the same verdict as the option lookup of ``validate``."""
    return lambda item, raw, today: isinstance(raw, str) and raw in options


def _all_in_options(options: frozenset[str]) -> Passes:
    """Pass a multiple choice whose every value is among ``options``."""
    return lambda item, raw, today: isinstance(raw, list) and all(isinstance(v, str) and v in options for v in raw)


def _passes_for(item: FormField) -> Passes:
    """Return the check of one field's answer."""
    options = frozenset(option.value for option in item.options)
    if item.type is FieldType.CHOICE:
        return _in_options(options)
    if item.type is FieldType.MULTI_CHOICE:
        return _all_in_options(options)
    return _id_number if item.type is FieldType.ID_NUMBER else _typed


@dataclass(frozen=True)
class _Rule:
    """One field of a form as checked: the field and its answer's check."""

    item: FormField
    passes: Passes


def _rules(schema: FormSchema, asked: frozenset[str] | None = None) -> tuple[_Rule, ...]:
    """Prepare a form's fields (of an item in a bundle: only the questions the bundle asks count)."""
    return tuple(_Rule(item, _passes_for(item)) for item in schema.fields if asked is None or item.key in asked)


def _passes(rules: tuple[_Rule, ...], answers: dict[str, Any], today: date) -> bool:
    """Return whether every applicable field's answer passes (``validate`` without its messages)."""
    for rule in rules:
        item = rule.item
        if item.when and not any(condition.holds(answers) for condition in item.when):
            continue
        raw = answers.get(item.key)
        if is_blank(raw) or (item.type is FieldType.CHECKBOX and raw is False and item.required):
            if item.required:
                return False
            continue
        if not rule.passes(item, raw, today):
            return False
    return True


class FormCheck:
    """Whether answers pass an offering's form (and, for a bundle, each item's own form)."""

    def __init__(self, offering: Offering) -> None:
        """Prepare ``offering``'s checks."""
        self.code, self.instant = offering.code, offering.instant  # 秒批 rules travel with the check
        self.known = frozenset(offering.form.keys)
        self.form = _rules(offering.form)
        items = offering.items if offering.kind == "bundle" else ()
        self.items = tuple((frozenset(i.form.keys), _rules(i.form, self.known)) for i in items)
        self.holder_keys = tuple(f.key for f in offering.form.fields if f.prefill == ID_PREFILL)

    def passes(self, answers: dict[str, Any], today: date) -> bool:
        """Return ``check(Draft(offering, answers), today).ok``."""
        if not self.known.issuperset(answers) or not _passes(self.form, answers, today):
            return False
        return all(_passes(rules, {k: v for k, v in answers.items() if k in keys}, today) for keys, rules in self.items)

    def holder_number(self, values: dict[str, Any]) -> str | None:
        """Return the ID number the card filled in (as ``FormSchema.holder_number``), or None."""
        for key in self.holder_keys:
            value = values.get(key)
            if isinstance(value, str) and value.strip():
                return "".join(value.split()).upper()
        return None
