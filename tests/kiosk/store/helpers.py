"""Shared helpers for store tests: a catalog, known personal data, submitting."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.application import Application, Draft
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from drivers.status import ClearAction, DeviceError, DeviceState, ErrorKind, Snapshot
from kiosk.services.submit import submit_application
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from kiosk.store.store import Clock, Store, utc_now
from tests.domain.answers import valid_answers

CATALOG = load_catalog(SAMPLE_CATALOG)
HALL = CATALOG.halls["lc-center"]
OFFERING = CATALOG.offering("SB-001")
# Personal data that must never appear in clear in any file.
NAME = "欧阳锦绣"
ID_NUMBER = "370303198505120012"
PHONE = "13912345678"


def answers(index: int = 0) -> dict[str, Any]:
    """Valid answers carrying the known personal data."""
    values = valid_answers(OFFERING.form)
    values.update({
        "applicant.name": NAME, "applicant.id_number": ID_NUMBER, "contact.phone": PHONE,
        "applicant.address": f"山东省聊城市东昌府区示例路{index}号",
    })
    return values


def open_test_store(directory: Path, clock: Clock = utc_now) -> Store:
    """Open a store with a key file in ``directory``."""
    return open_store(directory / "store.db", KeyFileProvider(directory / "store.key"), clock)


def submit(store: Store, index: int = 0, now: datetime | None = None) -> Application:
    """Submit one SB-001 application with the known personal data."""
    application, _ = submit_application(
        store, catalog=CATALOG, hall=HALL, terminal_id="LC0001",
        draft=Draft(OFFERING, answers(index)), now=now or datetime.now(UTC),
    )
    return application


def paper_out(store: Store, note: str = "") -> None:
    """Record the printer out of paper, with a free-text message and a URL that must never leave the terminal."""
    snapshot = Snapshot("printer", DeviceState.USER_ERROR, media={"paper": "out", "cover": "closed"},
                        error=DeviceError(ErrorKind.USER, ClearAction.STAFF, "paper_out", f"纸用完了 {note}"),
                        detail={"url": "tcp://10.0.0.9:9100"})
    store.record_status("printer", snapshot.state.value, snapshot.as_dict())
