"""Use case: check an application's answers and show the receipt it would get."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.application import Application, Draft, MaterialStatus, check, create
from domain.catalog import Catalog
from domain.receipt import Receipt, build_receipt
from domain.validation import ValidationResult

PREVIEW_SEQUENCE = 1  # a preview is never stored, so it takes no number from the sequence


@dataclass(frozen=True)
class Preview:
    """The validation outcome and, when the answers are valid, the would-be receipt."""

    validation: ValidationResult
    application: Application | None
    receipt: Receipt | None


def preview_application(
    catalog: Catalog,
    *,
    hall_id: str,
    terminal_id: str,
    code: str,
    answers: dict[str, Any],
    deferred: frozenset[str],
    now: datetime,
) -> Preview:
    """Validate ``answers`` for item or bundle ``code``; build the receipt if they pass."""
    offering = catalog.offering(code)
    declared = dict.fromkeys(deferred, MaterialStatus.DEFERRED)
    draft = Draft(offering, answers, declared)
    result = check(draft, now.date())
    if not result.ok:
        return Preview(result, None, None)
    application = create(draft, catalog, terminal_id, PREVIEW_SEQUENCE, now)
    receipt = build_receipt(application, catalog, catalog.hall(hall_id))
    return Preview(result, application, receipt)
