"""Use case: submit an application durably and get its receipt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from domain.application import Application, Draft, create
from domain.catalog import Catalog, Hall
from domain.receipt import Receipt, build_receipt


class ApplicationStore(Protocol):
    """The part of the store this use case needs."""

    def submit(
        self, day: date, build: Callable[[int], Application], make_receipt: Callable[[Application], Receipt]
    ) -> Application:
        """Number and durably store an application."""
        ...


def submit_application(
    store: ApplicationStore, *, catalog: Catalog, hall: Hall, terminal_id: str, draft: Draft, now: datetime,
    token: Callable[[str, date], str] | None = None,
) -> tuple[Application, Receipt]:
    """Validate, number and store ``draft``; once this returns the application is durable.

    ``token`` signs the receipt number for the receipt's QR (receipt_key.py); without it the QR holds the number.
    """
    receipts: list[Receipt] = []

    def make_receipt(application: Application) -> Receipt:
        signed = token(application.number, application.created_at.date()) if token is not None else ""
        receipts.append(build_receipt(application, catalog, hall, signed))
        return receipts[-1]

    application = store.submit(
        now.date(), lambda seq: create(draft, catalog, terminal_id, seq, now), make_receipt
    )
    return application, receipts[-1]
