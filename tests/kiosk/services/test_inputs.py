"""Every field of every item and bundle a hall offers gets exactly one touch input, chosen from its type."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.catalog import Offering
from domain.forms import FieldType, FormField
from kiosk.services.inputs import BACKSPACE, KEYED, Input, can_be_answered, edit, input_for, shown
from tests.domain.samples import CATALOG


def _offered() -> list[Offering]:
    """Return every item and bundle any hall of the sample catalog offers."""
    found: dict[str, Offering] = {}
    for hall in CATALOG.halls:
        items, bundles = CATALOG.offered_at(hall)
        found.update({o.code: o for o in (*items, *bundles)})
    return [found[code] for code in sorted(found)]


OFFERED = _offered()


@pytest.mark.parametrize("offering", OFFERED, ids=lambda o: o.code)
def test_each_field_has_one_input_and_every_required_one_can_be_answered_here(offering: Offering) -> None:
    for form_field in offering.form.fields:
        kind = input_for(form_field)
        assert isinstance(kind, Input), form_field.key
        assert not form_field.required or can_be_answered(kind), f"{offering.code}: {form_field.key} needs {kind}"


def test_every_field_type_has_an_input() -> None:
    sample = next(f for o in OFFERED for f in o.form.fields)
    kinds = {t: input_for(replace(sample, type=t, options=())) for t in FieldType}
    assert len(kinds) == len(FieldType)
    assert kinds[FieldType.TEXT] is kinds[FieldType.ADDRESS] is Input.CHINESE
    assert kinds[FieldType.DATE] is Input.DATE  # picked, never typed


def test_numbers_get_the_keypad_their_values_need() -> None:
    number = FormField("n", next(f for o in OFFERED for f in o.form.fields).group, FieldType.NUMBER,
                       next(f for o in OFFERED for f in o.form.fields).label)
    assert input_for(number) is Input.DECIMAL
    assert input_for(replace(number, integer=True)) is Input.DIGITS
    assert input_for(replace(number, type=FieldType.MONEY)) is Input.DECIMAL
    assert input_for(replace(number, type=FieldType.MONEY, integer=True)) is Input.DIGITS
    assert input_for(number, from_card=True) is Input.FROM_CARD
    assert {Input.ACCOUNT, Input.CODE, Input.USCC, Input.ID_NUMBER, Input.PHONE} <= KEYED


def test_the_sample_catalog_uses_most_inputs() -> None:
    used = {input_for(f) for o in OFFERED for f in o.form.fields}
    assert used >= set(Input) - {Input.FROM_CARD}


def test_keypad_edits_stay_within_the_field_and_read_as_a_citizen_reads_them() -> None:
    value = ""
    for key in "12.3.4":
        value = edit(value, key, 5)
    assert value == "12.34"  # one decimal point; nothing past the length
    assert edit(edit(value, BACKSPACE, 5), BACKSPACE, 5) == "12."
    assert edit("", BACKSPACE, 5) == ""
    assert shown(Input.ACCOUNT, "6222021234567890123") == "6222 0212 3456 7890 123"
    assert shown(Input.PHONE, "0635-8888888") == "0635-8888888"
