"""一件事 bundles: one merged form, one material set."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from domain.application import Draft, check
from domain.bundles import DEFER_COMMITMENT, merge_forms, merge_materials
from domain.catalog import FORM_STRICTNESS, Bundle, ServiceItem
from domain.forms import Condition, FieldType, FormField, FormSchema, Group, Option
from domain.text import Text
from domain.validation import validate
from tests.domain.answers import valid_answers
from tests.domain.samples import CATALOG

TODAY = date(2026, 11, 22)

ITEMS = list(CATALOG.items.values())
item_sets = st.lists(st.sampled_from(ITEMS), min_size=2, max_size=6, unique_by=lambda i: i.code)


@given(item_sets)
def test_no_semantic_key_appears_twice_and_none_is_lost(items: list[ServiceItem]) -> None:
    form = merge_forms(i.form for i in items)
    assert len(form.keys) == len(set(form.keys))
    assert set(form.keys) == {k for i in items for k in i.form.keys}


@given(st.sampled_from(list(CATALOG.bundles.values())), st.data())
def test_a_bundle_accepts_exactly_what_each_of_its_items_accepts(bundle: Bundle, data: st.DataObject) -> None:
    answers = valid_answers(bundle.form)
    blanked = data.draw(st.sets(st.sampled_from(list(answers))))
    changed = {k: v for k, v in answers.items() if k not in blanked}
    if "delivery.method" in changed:  # exercise both sides of the mail-address conditions
        changed["delivery.method"] = data.draw(st.sampled_from(["window", "mail"]))
    offering = CATALOG.offering(bundle.code)
    bundle_ok = check(Draft(offering, changed), TODAY).ok
    asked = set(bundle.form.keys)  # an item's own question the bundle leaves out (a 容缺 promise) is not checked
    items_ok = all(
        not [i for i in validate(item.form, {k: v for k, v in changed.items() if k in item.form.keys}, TODAY).errors
             if i.key in asked]
        for item in bundle.items
    )
    assert bundle_ok == items_ok


def test_a_field_required_only_under_one_items_condition_is_not_required_for_everyone() -> None:
    group = Group("contact", 20, Text("联系", "Contact"))
    method = FormField("delivery.method", group, FieldType.CHOICE, Text("方式", "Method"),
                       options=(Option("window", Text("窗口", "window")), Option("mail", Text("邮寄", "mail"))))
    mail = FormField("contact.mail_address", group, FieldType.ADDRESS, Text("地址", "Address"))
    strict = FormSchema((method, replace(mail, when=(Condition("delivery.method", ("mail",)),))))
    lenient = FormSchema((replace(mail, required=False),))
    merged = merge_forms([strict, lenient])
    assert not merged.field("contact.mail_address").required
    assert validate(merged, {"delivery.method": "window"}, TODAY).ok


@given(item_sets)
def test_each_material_is_asked_once_as_strictly_as_any_item_asks(items: list[ServiceItem]) -> None:
    merged = merge_materials(items)
    ids = [m.material.id for m in merged]
    assert len(ids) == len(set(ids))
    produced = {m for i in items for m in i.produces}
    assert {r.material.id for i in items for r in i.materials} - produced <= set(ids)
    for req in merged:
        makers = [n for n, i in enumerate(items) if req.material.id in i.produces]
        before = items[:makers[0]] if makers else items  # an output is not asked for after it is made
        asks = [r for i in before for r in i.materials if r.material.id == req.material.id]
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


def test_a_bundle_never_asks_for_what_one_of_its_items_produces() -> None:
    start = CATALOG.offering("YJS-001")
    asked = {r.material.id for r in start.materials}
    assert {"business_licence", "company_seals"} <= {m for i in start.items for m in i.produces}
    assert not asked & {"business_licence", "company_seals"}
    newborn = CATALOG.offering("YJS-002")
    assert "birth_medical_certificate" not in {r.material.id for r in newborn.materials}
    assert "id_card" in asked  # what no item produces is still asked
    assert [m.id for m in start.handed_on] == ["business_licence", "company_seals"]
    assert CATALOG.offering("QY-002").handed_on == ()


def test_an_output_is_asked_for_by_the_items_that_come_before_it() -> None:
    registration, seals = CATALOG.items["QY-001"], CATALOG.items["QY-002"]
    merged = merge_materials([seals, registration])  # seals first: the licence does not exist yet
    assert "business_licence" in {r.material.id for r in merged}
    assert "business_licence" not in {r.material.id for r in merge_materials([registration, seals])}


def test_an_offering_lists_each_condition_once_in_order() -> None:
    offering = CATALOG.offering("YJS-001")
    licence = "已取得营业执照，或正在同时办理企业设立登记"
    assert [c.zh for c in offering.conditions].count(licence) == 1
    everything = [c for i in offering.items for c in i.conditions]
    assert offering.conditions == tuple(dict.fromkeys(everything))
    assert offering.conditions[0] == offering.items[0].conditions[0]


def test_an_offering_carries_its_own_guide() -> None:
    bundle = CATALOG.offering("YJS-001")
    assert bundle.guide == CATALOG.bundles["YJS-001"].guide
    assert "后面几项不用再交" in bundle.guide.zh
    assert CATALOG.offering("QY-001").guide == CATALOG.items["QY-001"].guide


def test_a_bundle_with_nothing_to_defer_asks_no_promise_to_supplement() -> None:
    startup = CATALOG.offering("YJS-001")
    assert not any(m.deferrable for m in startup.materials)
    assert any(DEFER_COMMITMENT in item.form.keys for item in startup.items)  # its items ask it on their own
    assert DEFER_COMMITMENT not in startup.form.keys
    answers = {k: v for k, v in valid_answers(startup.form).items() if k != DEFER_COMMITMENT}
    assert check(Draft(startup, answers), TODAY).ok


def test_a_bundle_that_can_defer_still_asks_the_promise() -> None:
    deferring = [c for c, b in CATALOG.bundles.items() if any(m.deferrable for m in CATALOG.offering(c).materials)
                 and any(DEFER_COMMITMENT in i.form.keys for i in b.items)]
    assert deferring
    for code in deferring:
        assert DEFER_COMMITMENT in CATALOG.offering(code).form.keys
