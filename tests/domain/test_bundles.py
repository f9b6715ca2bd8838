"""一件事 bundles: one merged form, one material set."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.bundles import merge_forms, merge_materials
from kiosk.domain.catalog import FORM_STRICTNESS, ServiceItem
from tests.domain.test_catalog import CATALOG

ITEMS = list(CATALOG.items.values())
item_sets = st.lists(st.sampled_from(ITEMS), min_size=2, max_size=6, unique_by=lambda i: i.code)


@given(item_sets)
def test_no_semantic_key_appears_twice_and_none_is_lost(items: list[ServiceItem]) -> None:
    form = merge_forms(i.form for i in items)
    assert len(form.keys) == len(set(form.keys))
    assert set(form.keys) == {k for i in items for k in i.form.keys}


@given(item_sets)
def test_a_merged_field_is_required_if_any_item_requires_it(items: list[ServiceItem]) -> None:
    form = merge_forms(i.form for i in items)
    for merged in form.fields:
        uses = [f for i in items for f in i.form.fields if f.key == merged.key]
        assert merged.required == any(u.required for u in uses)
        if any(not u.when for u in uses):
            assert not merged.when  # asked unconditionally by some item


@given(item_sets)
def test_each_material_is_asked_once_as_strictly_as_any_item_asks(items: list[ServiceItem]) -> None:
    merged = merge_materials(i.materials for i in items)
    ids = [m.material.id for m in merged]
    assert len(ids) == len(set(ids))
    for req in merged:
        asks = [r for i in items for r in i.materials if r.material.id == req.material.id]
        assert req.copies == max(a.copies for a in asks)
        assert FORM_STRICTNESS.index(req.form) == max(FORM_STRICTNESS.index(a.form) for a in asks)
        assert req.required == any(a.required for a in asks)
        if req.deferrable:
            assert all(a.deferrable for a in asks if a.required)


def test_sample_bundles_share_fields_between_their_items() -> None:
    for bundle in CATALOG.bundles.values():
        asked = sum(len(i.form.keys) for i in bundle.items)
        assert len(bundle.form.keys) < asked, f"{bundle.code} merges nothing"
        assert bundle.form.keys.count("applicant.id_number") == 1


def test_offering_of_a_bundle_lists_its_items() -> None:
    bundle = next(iter(CATALOG.bundles.values()))
    offering = CATALOG.offering(bundle.code)
    assert offering.kind == "bundle"
    assert offering.items == bundle.items
    assert offering.form == bundle.form
