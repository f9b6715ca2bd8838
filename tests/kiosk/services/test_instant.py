"""The receipt's wait for a 秒批 approval, on a real store: bounded, and only for a marked item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.application import Draft
from domain.lifecycle import State
from kiosk.services.instant import await_approval, is_instant
from kiosk.services.submit import submit_application
from kiosk.store import status
from tests.central.platform.test_instant_ingest import INSTANT, instant_answers
from tests.kiosk.store.helpers import CATALOG, HALL, open_test_store, submit


def test_the_wait_ends_when_central_approves(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    application, _ = submit_application(store, catalog=CATALOG, hall=HALL, terminal_id="LC0001",
                                        draft=Draft(INSTANT, instant_answers()), now=datetime.now(UTC))
    clock = [0.0]

    def sleep(seconds: float) -> None:  # the agent writes central's word while the receipt waits
        clock[0] += seconds
        if clock[0] >= 1.0:
            status.apply(store, str(application.id), State.APPROVED, reason="", owed="",
                         changed_at=datetime.now(UTC).isoformat())

    outcome = await_approval(store, CATALOG, application, 6.0, sleep=sleep, clock=lambda: clock[0])
    assert outcome == INSTANT.instant.outcome  # type: ignore[union-attr]
    assert clock[0] < 1.5  # it stopped waiting as soon as the word came
    store.close()


def test_the_wait_is_bounded_and_an_ordinary_item_does_not_wait(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    application, _ = submit_application(store, catalog=CATALOG, hall=HALL, terminal_id="LC0001",
                                        draft=Draft(INSTANT, instant_answers()), now=datetime.now(UTC))
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    assert await_approval(store, CATALOG, application, 6.0, sleep=sleep, clock=lambda: clock[0]) is None
    assert 6.0 <= clock[0] < 6.5
    ordinary = submit(store)
    clock[0] = 0.0
    assert await_approval(store, CATALOG, ordinary, 6.0, sleep=sleep, clock=lambda: clock[0]) is None
    assert clock[0] == 0.0
    assert is_instant(CATALOG, "JT-002")
    assert not is_instant(CATALOG, "SB-001")
    assert not is_instant(CATALOG, "YJS-001")
    store.close()


def test_a_terminal_offline_for_a_while_prints_the_ordinary_receipt_without_waiting(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    now = datetime.now(UTC)
    clock = store.clock
    store.clock = lambda: now - timedelta(minutes=5)  # the last citizen's application, never sent
    submit(store)
    store.clock = clock
    application, _ = submit_application(store, catalog=CATALOG, hall=HALL, terminal_id="LC0001",
                                        draft=Draft(INSTANT, instant_answers()), now=now)
    waited = [0.0]

    def sleep(seconds: float) -> None:
        waited[0] += seconds

    assert await_approval(store, CATALOG, application, 6.0, sleep=sleep, clock=lambda: waited[0]) is None
    assert waited[0] == 0.0  # not a moment: central cannot be reached, the decision comes to the progress query
    store.close()
