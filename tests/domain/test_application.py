"""Applications: creation from a draft, materials and 容缺, bundle parts, the lifecycle."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.application import (
    AnswersInvalid,
    DeclarationError,
    Draft,
    MaterialStatus,
    create,
)
from domain.lifecycle import Event, IllegalTransition, State
from domain.numbering import parse_receipt_number
from tests.domain.answers import ID_NUMBER, valid_answers
from tests.domain.samples import APPLIED, CATALOG, ITEM, submit

NOW = APPLIED
BUNDLE = next(iter(CATALOG.bundles.values()))


def test_an_item_application_records_its_catalog_and_number() -> None:
    app = submit(ITEM.code)
    assert app.state is State.SUBMITTED
    assert app.id.version == 7
    assert parse_receipt_number(app.number) == ("LC0001", date(2026, 9, 30), 7)
    assert (app.catalog_version, app.catalog_hash) == (CATALOG.version, CATALOG.content_hash)
    assert app.values["applicant.id_number"] == ID_NUMBER
    assert [t.event for t in app.history] == [Event.SUBMIT]


def test_the_promised_date_skips_the_national_day_holiday() -> None:
    app = submit(ITEM.code)
    expected = CATALOG.calendar.add_working_days(NOW.date(), ITEM.promised_limit_days)
    assert app.promised_date == expected
    if ITEM.promised_limit_days:
        assert app.promised_date >= date(2026, 10, 8)


def test_a_deferred_material_is_owed_with_a_working_day_deadline() -> None:
    deferrable = next(r for r in ITEM.materials if r.deferrable)
    app = submit(ITEM.code, **{deferrable.material.id: MaterialStatus.DEFERRED})
    (owed,) = app.owed
    assert owed.material_id == deferrable.material.id
    assert owed.due is not None
    assert CATALOG.calendar.is_working_day(owed.due)
    assert owed.due > NOW.date()


def test_deferring_a_material_that_cannot_wait_is_refused() -> None:
    strict = next(r for r in ITEM.materials if not r.deferrable)
    with pytest.raises(DeclarationError, match="cannot be handed in later"):
        submit(ITEM.code, **{strict.material.id: MaterialStatus.DEFERRED})


def test_declaring_an_unknown_material_is_refused() -> None:
    with pytest.raises(DeclarationError, match="not asked for"):
        submit(ITEM.code, fishing_licence=MaterialStatus.PROVIDED)


def test_invalid_answers_cannot_be_submitted() -> None:
    offering = CATALOG.offering(ITEM.code)
    answers = {**valid_answers(offering.form), "applicant.id_number": "371502199003071239"}
    with pytest.raises(AnswersInvalid) as raised:
        create(Draft(offering, answers), CATALOG, "LC0001", 1, NOW)
    assert [i.code for i in raised.value.result.errors] == ["id_checksum"]


def test_a_bundle_gives_one_application_with_a_part_per_item() -> None:
    app = submit(BUNDLE.code)
    assert app.offering_kind == "bundle"
    assert [p.item_code for p in app.parts] == [i.code for i in BUNDLE.items]
    made: set[str] = set()  # what earlier items of the bundle produce reaches the later ones without the citizen
    for part, item in zip(app.parts, BUNDLE.items, strict=True):
        assert set(part.values) <= set(item.form.keys)
        assert {m.material_id for m in part.materials} == {r.material.id for r in item.materials} - made
        made |= set(item.produces)
        assert part.promised_date == CATALOG.calendar.add_working_days(NOW.date(), item.promised_limit_days)
    assert app.values["applicant.id_number"] == ID_NUMBER  # asked once for the whole bundle


def test_lifecycle_events_build_the_history() -> None:
    app = submit(ITEM.code)
    later = NOW + timedelta(hours=1)
    app = app.apply(Event.ACKNOWLEDGE, later).apply(Event.ACCEPT, later, "窗口受理")
    assert app.state is State.ACCEPTED
    assert [t.target for t in app.history] == [State.SUBMITTED, State.RECEIVED, State.ACCEPTED]
    assert app.history[-1].note == "窗口受理"


def test_an_illegal_event_changes_nothing() -> None:
    app = submit(ITEM.code)
    with pytest.raises(IllegalTransition):
        app.apply(Event.APPROVE, NOW)
    assert app.state is State.SUBMITTED
    assert len(app.history) == 1


def test_optional_materials_default_to_not_applicable() -> None:
    app = submit(ITEM.code)
    for req, declared in zip(ITEM.materials, app.materials, strict=True):
        expected = MaterialStatus.PROVIDED if req.required else MaterialStatus.NOT_APPLICABLE
        assert declared.status is expected


@pytest.mark.parametrize("event", [Event.REJECT, Event.REQUEST_SUPPLEMENT])
def test_a_refusal_needs_a_reason(event: Event) -> None:
    received = submit(ITEM.code).apply(Event.ACKNOWLEDGE, NOW)
    with pytest.raises(ValueError, match="needs a reason"):
        received.apply(event, NOW, "  ")
    assert received.apply(event, NOW, "材料不齐全").history[-1].note == "材料不齐全"


def test_an_unknown_hall_is_named() -> None:
    from domain.catalog import UnknownHall

    with pytest.raises(UnknownHall, match=r"terminal\.hall"):
        CATALOG.hall("no-such-hall")
