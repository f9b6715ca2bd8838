"""The citizen session, availability and search as plain Python: the decisions the screens only show."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.catalog import Catalog
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from drivers.cardreader.cardtext import parse_text
from drivers.cardreader.simulator import SAMPLE_CARDS
from drivers.status import DeviceState, Snapshot
from kiosk.services.availability import PAPER_OUT, READER_DOWN, STORAGE_FULL, assess
from kiosk.services.search import index, search
from kiosk.services.session import Session

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
