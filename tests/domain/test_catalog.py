"""Catalog loading: the sample catalog, content hashing, and located errors for broken files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from domain.catalog import PREFIXES, Category, UnknownCode
from domain.catalog_loader import CatalogError, load_catalog
from domain.data import SAMPLE_CATALOG

CATALOG = load_catalog(SAMPLE_CATALOG)

VALID_ITEM = """
[[items]]
code = "SB-901"
name_zh = "测试事项"
name_en = "Test item"
type = "public_service"
category = "social_security"
department_zh = "测试局"
department_en = "Test bureau"
body_zh = "测试中心"
body_en = "Test centre"
conditions_zh = ["条件"]
conditions_en = ["Condition"]
legal_limit_days = 20
promised_limit_days = 5
fee_cny = 0
fee_note_zh = "不收费"
fee_note_en = "Free"
result_zh = "结果"
result_en = "Result"
delivery = ["window"]
online = false
guide_zh = "白话"
guide_en = "Plain"
materials = [{ ref = "id_card", required = true, deferrable = false, form = "original", copies = 1, electronic = true }]
fields = [
  { key = "applicant.name", required = true },
  { key = "delivery.method", required = true },
  { key = "contact.mail_address", required = true, when = { key = "delivery.method", in = ["mail"] } },
]
"""


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample catalog."""
    return Path(shutil.copytree(SAMPLE_CATALOG, tmp_path / "catalog"))


def add_item(root: Path, old: str = "", new: str = "") -> None:
    """Add items/zz_test.toml: the valid test item with ``old`` replaced by ``new``."""
    text = VALID_ITEM.replace(old, new) if old else VALID_ITEM
    assert not old or text != VALID_ITEM, f"'{old}' not in the template"
    (root / "items" / "zz_test.toml").write_text(text, encoding="utf-8")


def test_sample_catalog_size_and_coverage() -> None:
    assert len(CATALOG.items) >= 30
    assert len(CATALOG.bundles) >= 3
    assert {item.category for item in CATALOG.items.values()} == set(Category)
    assert CATALOG.meta.illustrative


def test_sample_catalog_is_bilingual_and_consistent() -> None:
    for item in CATALOG.items.values():
        assert all((item.name.zh, item.name.en, item.guide.zh, item.guide.en))
        assert item.code.startswith(PREFIXES[item.category] + "-")
        assert item.promised_limit_days <= item.legal_limit_days
        assert item.form.keys, f"{item.code} has no form"
        for key in ("applicant.name", "applicant.id_number", "contact.phone"):
            assert key in item.form.keys, f"{item.code} does not ask {key}"


def test_every_field_type_is_used_somewhere() -> None:
    used = {f.type for item in CATALOG.items.values() for f in item.form.fields}
    assert {t.value for t in used} >= {
        "text", "choice", "multi_choice", "date", "phone", "id_number", "uscc", "address",
        "number", "checkbox", "file_ref",
    }


def test_no_field_promises_a_scanner_the_kiosk_does_not_have() -> None:
    fields = {f.key: f for item in CATALOG.items.values() for f in item.form.fields}
    for form_field in fields.values():
        shown = [form_field.label, *([form_field.help] if form_field.help else [])]
        assert not any("扫描区" in t.zh or "拍照" in t.zh or "on the scanner" in t.en for t in shown), form_field.key
    upload = fields["attachments.documents"]
    assert upload.help is not None
    assert "没有扫描仪" in upload.help.zh
    assert "no scanner" in upload.help.en


def test_halls_offer_known_items() -> None:
    assert len(CATALOG.halls) >= 3
    kinds = {hall.kind for hall in CATALOG.halls.values()}
    assert "bank_outlet" in kinds
    for hall in CATALOG.halls.values():
        assert hall.item_codes <= set(CATALOG.items)
        assert hall.bundle_codes <= set(CATALOG.bundles)


def test_every_hall_names_the_counter_where_materials_are_handed_in() -> None:
    for hall in CATALOG.halls.values():
        assert hall.counter.zh, hall.id
        assert hall.counter.en, hall.id
    assert CATALOG.halls["lc-center"].counter.zh == "综合受理窗口"


def test_a_hall_without_a_counter_is_located(catalog_copy: Path) -> None:
    path = catalog_copy / "halls.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('counter_zh = "综合受理窗口"\n', "", 1), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"halls\.toml: hall lc-center: field counter_zh: is missing"):
        load_catalog(catalog_copy)


def test_items_say_which_library_materials_they_produce() -> None:
    assert CATALOG.items["QY-001"].produces == ("business_licence",)
    assert CATALOG.items["QY-002"].produces == ("company_seals",)
    assert CATALOG.items["SB-001"].produces == ()


def test_a_bundle_whose_item_needs_an_output_of_a_later_item_is_refused(catalog_copy: Path) -> None:
    path = catalog_copy / "bundles.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"QY-001", "QY-002"', '"QY-002", "QY-001"'),
                    encoding="utf-8")
    with pytest.raises(CatalogError, match=r"bundles\.toml: bundle YJS-001: field items: QY-002 asks for "
                                           r"'business_licence', which QY-001 produces later in the bundle"):
        load_catalog(catalog_copy)


def test_offering_of_unknown_code() -> None:
    with pytest.raises(UnknownCode, match="no service item or bundle with code 'XX-999'"):
        CATALOG.offering("XX-999")


def test_hash_ignores_comments_and_layout(catalog_copy: Path) -> None:
    path = catalog_copy / "catalog.toml"
    path.write_text("# a new comment\n\n" + path.read_text(encoding="utf-8").replace(" = ", "   =   "))
    assert load_catalog(catalog_copy).content_hash == CATALOG.content_hash


def test_hash_changes_with_content(catalog_copy: Path) -> None:
    path = catalog_copy / "catalog.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('version = "', 'version = "x'))
    assert load_catalog(catalog_copy).content_hash != CATALOG.content_hash


def test_the_test_item_itself_is_valid(catalog_copy: Path) -> None:
    add_item(catalog_copy)
    assert "SB-901" in load_catalog(catalog_copy).items


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('ref = "id_card"', 'ref = "nope"', "item SB-901: field materials[0].ref: no material 'nope'"),
        ("promised_limit_days = 5", "promised_limit_days = 30",
         "item SB-901: field promised_limit_days: 30 is longer than legal_limit_days 20"),
        ('type = "public_service"', 'type = "licence"', "item SB-901: field type: 'licence' is not one of"),
        ('key = "applicant.name"', 'key = "applicant.nmae"', "field fields[0].key: no field 'applicant.nmae'"),
        ('when = { key = "delivery.method"', 'when = { key = "contact.phone"',
         "field fields[2].when.key: 'contact.phone' is not a field of this item"),
        ('in = ["mail"]', 'in = ["pigeon"]', "field fields[2].when.in: 'pigeon' is not an option"),
        ('name_en = "Test item"\n', "", "item SB-901: field name_en: is missing"),
        ('code = "SB-901"', 'code = "JG-901"', "field code: must look like SB-001"),
        ('code = "SB-901"', 'code = "SB-001"', "item SB-001: field code: appears twice in the catalog"),
        ("deferrable = false", "deferrable = maybe", "not valid TOML"),
        ('delivery = ["window"]', 'delivery = ["drone"]', "field delivery[0]: 'drone' is not one of"),
        ('conditions_en = ["Condition"]', 'conditions_en = []', "conditions_en: has 0 entries"),
        ("online = false", 'online = false\nproduces = ["nope"]', "field produces[0]: 'nope' is not in materials.toml"),
        ("online = false", 'online = false\nproduces = ["id_card"]',
         "field produces[0]: 'id_card' is also a material this item asks for"),
    ],
)
def test_a_broken_item_is_located(catalog_copy: Path, old: str, new: str, expected: str) -> None:
    add_item(catalog_copy, old, new)
    with pytest.raises(CatalogError) as raised:
        load_catalog(catalog_copy)
    message = str(raised.value)
    assert message.startswith("items/zz_test.toml: ")
    assert expected in message


def test_a_bundle_with_an_unknown_item_is_located(catalog_copy: Path) -> None:
    path = catalog_copy / "bundles.toml"
    text = path.read_text(encoding="utf-8")
    first = next(iter(CATALOG.bundles.values()))
    path.write_text(text.replace(f'"{first.items[0].code}"', '"QY-999"', 1), encoding="utf-8")
    with pytest.raises(CatalogError, match=rf"bundles.toml: bundle {first.code}: field items: no item 'QY-999'"):
        load_catalog(catalog_copy)


def test_a_missing_file_is_named(catalog_copy: Path) -> None:
    (catalog_copy / "materials.toml").unlink()
    with pytest.raises(CatalogError, match=r"materials\.toml: file is missing"):
        load_catalog(catalog_copy)


def test_a_holiday_that_is_also_a_workday_is_refused(catalog_copy: Path) -> None:
    path = catalog_copy / "calendar.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"2026-01-04",', '"2026-01-01",'))
    with pytest.raises(CatalogError, match=r"calendar\.toml: field calendar\.workdays: 2026-01-01"):
        load_catalog(catalog_copy)
