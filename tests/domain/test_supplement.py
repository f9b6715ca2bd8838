"""补齐 in the domain: the catalog says how each material may be supplemented; a supplement must match what is owed."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from domain.bundles import merge_materials
from domain.catalog import SupplementWay
from domain.catalog_loader import CatalogError, load_documents
from domain.data import SAMPLE_CATALOG
from domain.supplement import (
    Refusal,
    SupplementReceipt,
    SupplementRefused,
    Supplied,
    check,
    declaration,
    layout,
    told,
    ways_for,
)
from tests.kiosk.store.helpers import CATALOG, HALL, OFFERING

HAND_IN, DECLARE = SupplementWay.HAND_IN, SupplementWay.DECLARE


def test_the_sample_catalog_uses_each_way() -> None:
    ways = {way for item in CATALOG.items.values() for req in item.materials for way in req.supplement}
    assert ways == set(SupplementWay)
    assert ways_for(OFFERING, "household_register") == (DECLARE, HAND_IN)
    assert ways_for(OFFERING, "id_card") == (HAND_IN,)  # the catalog says nothing: handed in
    assert ways_for(OFFERING, "marriage_certificate") == (HAND_IN,)  # the back office owes what the item never listed
    assert ways_for(None, "photo") == (HAND_IN,)  # an item a later catalog dropped


def with_ways(ways: object) -> dict[str, Any]:
    """Return the sample catalog's parsed files with SB-001's photo given ``ways``."""
    docs = {str(path.relative_to(SAMPLE_CATALOG)): tomllib.loads(path.read_text(encoding="utf-8"))
            for path in [*SAMPLE_CATALOG.glob("*.toml"), *SAMPLE_CATALOG.glob("items/*.toml")]}
    item = next(i for i in docs["items/social_security.toml"]["items"] if i["code"] == "SB-001")
    next(m for m in item["materials"] if m["ref"] == "photo")["supplement"] = ways
    return docs


@pytest.mark.parametrize(("ways", "says"), [
    (["post"], "'post' is not one of declare, hand_in"),
    ([], "at least one"),
    (["declare", "declare"], "at most once"),
    ("declare", "must be a list"),
])
def test_the_loader_refuses_a_way_it_does_not_know_and_says_where(ways: object, says: str) -> None:
    with pytest.raises(CatalogError) as refused:
        load_documents(with_ways(ways))
    assert "item SB-001" in str(refused.value)
    assert "materials[1].supplement" in str(refused.value)
    assert says in str(refused.value)


def test_a_bundle_allows_only_the_ways_every_item_allows() -> None:
    declared = load_documents(with_ways(["declare"]))
    merged = {r.material.id: r.supplement for r in merge_materials([declared.items["SB-001"], CATALOG.items["SB-001"]])}
    assert merged["household_register"] == (DECLARE, HAND_IN)
    assert merged["photo"] == (HAND_IN,)  # declare here, hand in there: nothing in common, so handed in


@pytest.mark.parametrize(("supplied", "code"), [
    ((Supplied("photo", HAND_IN),), Refusal.NOT_OWED),
    ((Supplied("photo", HAND_IN), Supplied("photo", HAND_IN), Supplied("household_register", HAND_IN)),
     Refusal.NOT_OWED),
    ((Supplied("photo", DECLARE), Supplied("household_register", DECLARE)), Refusal.WAY),
    ((), Refusal.NOT_OWED),
])
def test_a_supplement_must_be_exactly_what_is_owed_in_allowed_ways(supplied: tuple[Supplied, ...],
                                                                  code: Refusal) -> None:
    owed = ("photo", "household_register")
    check(owed, OFFERING, (Supplied("household_register", DECLARE), Supplied("photo", HAND_IN)))  # any order
    with pytest.raises(SupplementRefused) as refused:
        check(owed, OFFERING, supplied)
    assert refused.value.code is code
    assert told(code.value).zh.endswith("如有疑问，请到服务窗口咨询。")
    assert "service centre could not take" in told("central_error").en


def test_the_receipt_says_what_was_supplied_how_and_what_comes_next_and_nothing_personal() -> None:
    names = {r.material.id: r.material.name for r in OFFERING.materials}
    receipt = SupplementReceipt(HALL.name, HALL.phone, HALL.counter, "LC0001-261122-0001X", OFFERING.name,
                                ((names["photo"], HAND_IN), (names["household_register"], DECLARE)),
                                datetime(2026, 12, 4, 9, 30), delivered=False)
    zh = "\n".join(line.text for line in layout(receipt, "zh"))
    assert "补正回执" in zh
    assert "LC0001-261122-0001X" in zh
    assert "2026-12-04 09:30" in zh
    assert f"{names['household_register'].zh}：告知承诺" in zh
    assert "交到综合受理窗口" in zh.replace("\n", "").replace(" ", "")
    assert "网络恢复后自动送达服务中心" in zh.replace("\n", "").replace(" ", "")
    en = " ".join(line.text for line in layout(replace(receipt, delivered=True), "en"))
    assert "your application continues" in " ".join(en.split())
    assert declaration(names["household_register"]).en.startswith('About "Household register (hukou booklet)", I declare')
