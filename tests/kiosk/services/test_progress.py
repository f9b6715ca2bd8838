"""进度查询 at the terminal: a number checked, the application's item and state in words, central's word and its age."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from domain.lifecycle import STATE_NAMES, State
from domain.numbering import receipt_number
from kiosk.services.progress import NotFound, Progress, look_up
from kiosk.store import outbox, status
from tests.kiosk.store.helpers import CATALOG, OFFERING, open_test_store, submit


def test_the_progress_follows_the_application_from_submission_to_a_supplement_request(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    application = submit(store)
    found = look_up(store, CATALOG, f"  {application.number.lower()} ")
    assert isinstance(found, Progress)
    assert (found.state, found.item, found.as_of) == (State.SUBMITTED, OFFERING.name, None)  # central has not got it
    outbox.ack(store, str(application.id))
    acked = look_up(store, CATALOG, application.number)
    assert isinstance(acked, Progress)
    assert acked.state is State.RECEIVED
    assert acked.as_of is not None
    owed = OFFERING.materials[0].material
    status.apply(store, str(application.id), State.NEEDS_SUPPLEMENT, reason="复印件不清晰", owed=f"{owed.id},unknown_doc",
                 changed_at=datetime.now(UTC).isoformat())
    heard = look_up(store, CATALOG, application.number)
    assert isinstance(heard, Progress)
    assert (heard.state, heard.reason) == (State.NEEDS_SUPPLEMENT, "复印件不清晰")
    assert heard.owed[0] == owed.name
    assert heard.owed[1].zh == "unknown_doc"  # an id the catalog does not know shows as itself
    assert STATE_NAMES[heard.state].zh == "需要补齐材料"
    store.close()


def test_a_mistyped_number_and_another_terminals_number_are_told_apart(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    number = submit(store).number
    typo = number[:-1] + ("A" if number[-1] != "A" else "B")  # the check character no longer matches
    assert look_up(store, CATALOG, typo) is NotFound.MALFORMED
    assert look_up(store, CATALOG, "SB-001") is NotFound.MALFORMED
    assert look_up(store, CATALOG, receipt_number("LC0009", date(2026, 12, 1), 1)) is NotFound.ELSEWHERE
    store.close()


def test_o_and_i_are_read_as_0_and_1_and_a_parked_application_sends_the_citizen_to_a_window(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    application = submit(store)
    typed = application.number.replace("0", "O").replace("1", "I")
    found = look_up(store, CATALOG, typed)
    assert isinstance(found, Progress)
    assert (found.number, found.parked) == (application.number, False)
    assert outbox.reject(store, str(application.id), "unknown_catalog")
    parked = look_up(store, CATALOG, application.number)
    assert isinstance(parked, Progress)
    assert parked.parked
    store.close()
