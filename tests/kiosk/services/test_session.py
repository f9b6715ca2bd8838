"""The citizen session, availability and search as plain Python: the decisions the screens only show."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.catalog import Catalog
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from domain.identity import DocumentType, Identity
from drivers.cardreader.cardtext import parse_text
from drivers.cardreader.simulator import SAMPLE_CARDS
from drivers.status import DeviceState, Snapshot
from kiosk.services.availability import PAPER_OUT, READER_DOWN, STORAGE_FULL, assess
from kiosk.services.identify import Refusal, RefusalCode
from kiosk.services.search import index, search
from kiosk.services.session import Session, age_on

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(SAMPLE_CATALOG)


def identity(label: str):
    card = SAMPLE_CARDS[label]
    return parse_text(card.text, card.photo, NOW.date())


def test_the_card_prefills_and_screens_show_it_masked(catalog: Catalog) -> None:
    session = Session(catalog.offering("SB-001"), NOW)
    assert session.take_identity(identity("zhang")) is None
    assert session.answers["applicant.id_number"] == "370303198505120012"
    assert session.shown("applicant.id_number", "zh") == "370303********0012"
    assert session.shown("applicant.name", "zh") == "张*丰"
    assert session.shown("applicant.address", "zh") == "山东省淄博市****"
    assert session.shown("applicant.birth_date", "zh") == "1985-**-**"
    assert session.shown("applicant.gender", "en") == "Male"
    assert [g.id for g, _ in session.groups()] == ["applicant", "delivery", "contact", "insurance", "declaration"]


def test_conditions_show_fields_and_problems_come_from_the_domain(catalog: Catalog) -> None:
    session = Session(catalog.offering("SB-001"), NOW)
    session.take_identity(identity("zhang"))
    session.answer("delivery.method", "mail")
    contact = dict(session.groups())
    assert [f.key for f in next(fields for g, fields in contact.items() if g.id == "contact")] == [
        "contact.phone", "contact.mail_address"]
    session.answer("contact.phone", "1380013800")
    problems = session.problems(["contact.phone", "contact.mail_address"])
    assert set(problems) == {"contact.phone", "contact.mail_address"}
    assert "11位数字" in problems["contact.phone"].zh


def test_an_expired_card_is_refused_only_where_a_valid_one_is_needed(catalog: Catalog) -> None:
    assert Session(catalog.offering("GJJ-001"), NOW).take_identity(identity("expired")) is not None
    assert Session(catalog.offering("SB-001"), NOW).take_identity(identity("expired")) is None


def test_availability_names_every_reason_and_recovers() -> None:
    paper_out = Snapshot("printer", DeviceState.USER_ERROR, media={"paper": "out"})
    reader_gone = Snapshot("card_reader", DeviceState.OFFLINE)
    down = assess(printer=paper_out, reader=reader_gone, disk_free_pct=3.0, catalog_loaded=True)
    assert down.reasons == (PAPER_OUT, READER_DOWN, STORAGE_FULL)
    assert not down.can_apply
    low = Snapshot("printer", DeviceState.ONLINE, media={"paper": "low"})
    assert assess(printer=low, reader=Snapshot("card_reader", DeviceState.ONLINE), disk_free_pct=40,
                  catalog_loaded=True).can_apply


def test_search_by_characters_full_pinyin_and_initials(catalog: Catalog) -> None:
    items, bundles = catalog.offered_at("lc-center")
    entries = index([*items, *bundles])
    assert "SB-001" in search(entries, "社会保障卡")
    assert "SB-001" in search(entries, "shehuibaozhangka")
    assert "SB-001" in search(entries, "SHBZK")
    assert search(entries, "   ") == []
    assert search(entries, "zzzzzz") == []


def test_search_by_the_english_name_or_an_english_keyword(catalog: Catalog) -> None:
    items, bundles = catalog.offered_at("lc-center")
    entries = index([*items, *bundles])
    assert "SB-001" in search(entries, "SOCIALSECURITYCARD")
    assert "YB-001" in search(entries, "HEALTHINSURANCE")  # not in its name: "basic medical insurance"
    assert "QY-002" in search(entries, "CHOP")
    assert "MZ-001" in search(entries, "wedding")


CARDS = ("zhang", "li", "permit", "foreigner-2017", "foreigner-2023")


@pytest.mark.parametrize("label", CARDS)
def test_every_card_gets_a_form_its_data_passes_or_is_told_at_the_card(catalog: Catalog, label: str) -> None:
    card = identity(label)
    codes = [*catalog.items, *catalog.bundles]
    for code in codes:
        session = Session(catalog.offering(code), NOW)
        refused = session.take_identity(card)
        if refused is not None:
            assert refused.code is RefusalCode.WRONG_DOCUMENT
            assert card.document not in session.offering.documents
            continue
        assert session.answers["applicant.document_type"] == card.document_type.value
        assert session.problems(sorted(session.from_card)) == {}, code


def fields_shown(session: Session) -> list[str]:
    return [f.key for _, fields in session.groups() for f in fields]


def test_a_residence_permit_is_not_asked_an_ethnic_group(catalog: Catalog) -> None:
    session = Session(catalog.offering("YB-001"), NOW)
    assert session.take_identity(identity("permit")) is None
    assert "applicant.nation" not in fields_shown(session)
    assert "applicant.nationality" not in fields_shown(session)
    resident = Session(catalog.offering("YB-001"), NOW)
    resident.take_identity(identity("zhang"))
    assert "applicant.nation" in fields_shown(resident)


@pytest.mark.parametrize("label", ["foreigner-2017", "foreigner-2023"])
def test_a_foreigner_gets_nationality_from_the_card_and_types_an_address(catalog: Catalog, label: str) -> None:
    session = Session(catalog.offering("YB-001"), NOW)
    assert session.take_identity(identity(label)) is None
    shown = fields_shown(session)
    assert "applicant.nation" not in shown
    assert "applicant.nationality" in shown
    assert {"applicant.nationality", "applicant.id_number", "applicant.name"} <= session.from_card
    assert "applicant.address" in shown
    assert "applicant.address" not in session.from_card
    assert session.problems(["applicant.address"]) == {"applicant.address": session.problems()["applicant.address"]}


def test_the_2017_foreign_number_is_accepted_and_masked(catalog: Catalog) -> None:
    session = Session(catalog.offering("SB-001"), NOW)
    session.take_identity(identity("foreigner-2017"))
    assert session.answers["applicant.id_number"] == "CAN370087011502"
    assert "370087" not in session.shown("applicant.id_number", "zh")


def test_card_data_the_form_refuses_sends_the_citizen_to_staff_and_takes_nothing(catalog: Catalog) -> None:
    session = Session(catalog.offering("SB-001"), NOW)
    long_name = Identity(DocumentType.PERMANENT_RESIDENCE, english_name="X" * 61, id_number="CAN370087011502")
    assert session.take_identity(long_name) == Refusal(RefusalCode.CARD_DATA, "applicant.name")
    assert session.identity is None
    assert session.answers == {}
    assert session.from_card == set()


def test_a_bad_check_digit_stops_at_the_card_not_on_page_one(catalog: Catalog) -> None:
    session = Session(catalog.offering("SB-001"), NOW)
    assert session.take_identity(identity("bad-check")) == Refusal(RefusalCode.BAD_CHECK_DIGIT, "id_number")
    assert session.answers == {}


def test_a_second_card_replaces_the_first_cards_data(catalog: Catalog) -> None:
    session = Session(catalog.offering("YB-001"), NOW)
    session.take_identity(identity("zhang"))
    session.answer("contact.phone", "13800138000")
    session.take_identity(identity("foreigner-2023"))
    assert "applicant.nation" not in session.answers
    assert "applicant.address" not in session.answers
    assert session.answers["contact.phone"] == "13800138000"


@pytest.mark.parametrize(("label", "zh", "en"), [("foreigner-2017", "加拿大（CAN）", "Canada (CAN)"),
                                                 ("foreigner-2023", "德国（DEU）", "Germany (DEU)")])
def test_a_nationality_code_is_shown_as_its_country(catalog: Catalog, label: str, zh: str, en: str) -> None:
    session = Session(catalog.offering("YB-001"), NOW)
    session.take_identity(identity(label))
    assert session.shown("applicant.nationality", "zh") == zh
    assert session.shown("applicant.nationality", "en") == en


def test_age_is_counted_in_whole_years_at_the_sessions_date() -> None:
    assert age_on(date(1961, 12, 3), date(2026, 12, 2)) == 64  # 65 tomorrow: not yet offered elder mode
    assert age_on(date(1961, 12, 2), date(2026, 12, 2)) == 65
    assert age_on(date(1960, 2, 29), date(2025, 2, 28)) == 64
    assert age_on(date(1960, 2, 29), date(2025, 3, 1)) == 65


def test_elder_mode_asks_one_question_a_page_with_the_cards_data_on_its_groups_first(catalog: Catalog) -> None:
    session = Session(catalog.offering("SB-001"), NOW)
    session.take_identity(identity("zhang"))
    session.answer("delivery.method", "mail")
    pages = session.pages(one_question=True)
    asked = [[f.key for f in fields if f.key not in session.from_card] for _, fields in pages]
    assert all(len(keys) <= 1 for keys in asked), asked
    assert [keys for keys in asked if keys] == [[f.key] for _, fields in session.groups() for f in fields
                                                if f.key not in session.from_card]  # every question, in order
    assert {f.key for f in pages[0][1]} == {f.key for f in session.groups()[0][1]}  # the card's page, whole
    assert [g.id for g, _ in pages].count("contact") == 2  # the phone, then the postal address
    assert len(pages) > len(session.groups())


def test_turning_elder_mode_on_or_off_keeps_the_citizen_on_the_same_question(catalog: Catalog) -> None:
    session = Session(catalog.offering("SB-001"), NOW)
    session.take_identity(identity("zhang"))
    session.answer("delivery.method", "mail")
    session.turn_to("contact.mail_address", one_question=True)
    elder = session.paged(True)
    assert [f.key for f in elder[session.page][1]] == ["contact.mail_address"]
    normal = session.paged(False)
    assert normal[session.page][0].id == "contact"
    assert [f.key for f in session.paged(True)[session.page][1]] == ["contact.phone"]  # the group's first question
    session.turn_to("declaration.consent", one_question=False)
    assert session.paged(True)[session.page][1][0].key == "declaration.consent"
