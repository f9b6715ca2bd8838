"""What the domain tests share: the sample catalog, an item owing a deferrable material, and applications made of valid answers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from domain.application import Application, Draft, MaterialStatus, create
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from domain.receipt import Receipt, build_receipt
from tests.domain.answers import valid_answers

CATALOG = load_catalog(SAMPLE_CATALOG)
HALL = next(iter(CATALOG.halls.values()))
ITEM = next(i for i in CATALOG.items.values() if any(r.deferrable for r in i.materials))
CST = timezone(timedelta(hours=8))
APPLIED = datetime(2026, 9, 30, 10, 30, tzinfo=CST)  # the eve of National Day: the next working day is far
RECEIPT_TIME = datetime(2026, 11, 23, 9, 15, tzinfo=CST)


def submit(code: str, **declared: MaterialStatus) -> Application:
    """Return an application of ``code`` made of valid answers at APPLIED (the terminal's 7th of the day)."""
    offering = CATALOG.offering(code)
    return create(Draft(offering, valid_answers(offering.form), declared), CATALOG, "LC0001", 7, APPLIED)


def receipt_for(code: str, name: str = "张三丰", **declared: MaterialStatus) -> tuple[Application, Receipt]:
    """Return an application of ``code`` by ``name`` at RECEIPT_TIME and its receipt at the first hall."""
    offering = CATALOG.offering(code)
    answers = {**valid_answers(offering.form), "applicant.name": name}
    application = create(Draft(offering, answers, declared), CATALOG, "LC0001", 42, RECEIPT_TIME)
    return application, build_receipt(application, CATALOG, HALL)
