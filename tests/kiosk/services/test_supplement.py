"""补齐 as a use case, without a window: offline at the terminal the application was made at, checked before storing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.catalog import SupplementWay
from domain.lifecycle import State
from domain.supplement import Refusal, SupplementRefused
from kiosk.services.supplement import SupplementSession, await_verdict, held_here, pending_of, store_supplement
from kiosk.store import outbox, status, supplements
from tests.kiosk.store.helpers import CATALOG, HALL, ID_NUMBER, open_test_store, submit


def test_offline_the_terminal_it_was_made_at_finds_it_by_card_and_keeps_the_supplement(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    application = submit(store)
    outbox.ack(store, str(application.id))
    status.apply(store, str(application.id), State.NEEDS_SUPPLEMENT, reason="缺户口簿", owed="household_register",
                 changed_at=datetime.now(UTC).isoformat(), due="2099-01-01")
    assert held_here(store, CATALOG, "11010519491231002X") == []  # another person's card finds nothing
    session = SupplementSession(ID_NUMBER, pending_of(CATALOG, held_here(store, CATALOG, ID_NUMBER.lower())))
    (pending,) = session.pending
    assert pending.progress.number == application.number
    session.choose(pending)
    assert not session.ready()  # two ways allowed: the citizen chooses
    session.ways["household_register"] = SupplementWay.DECLARE
    assert [d.zh[:14] for d in session.declarations()] == ["关于“居民户口簿”，本人承诺"]
    receipt = store_supplement(store, CATALOG, HALL, session, terminal_id="LC0001", now=datetime.now(UTC))
    assert [(name.zh, way) for name, way in receipt.supplied] == [("居民户口簿", SupplementWay.DECLARE)]
    assert [e.kind for e in outbox.pending(store)] == ["supplement"]
    again = pending_of(CATALOG, held_here(store, CATALOG, ID_NUMBER), supplements.waiting(store))
    assert again == []  # not a second time while the first waits for central (two receipts, one refusal)
    waited: list[float] = []
    ticks = iter(range(100))
    verdict = await_verdict(store, session.record_id, 1.0, sleep=waited.append, clock=lambda: next(ticks) * 0.5)
    assert (verdict.taken, waited) == (None, [0.2])  # no word within the wait: it goes when the link is back
    outbox.reject(store, session.record_id, "supplement_not_needed")
    assert await_verdict(store, session.record_id, 1.0).taken is False
    assert supplements.waiting(store) == set()  # refused: the citizen may try again
    store.close()


def test_a_way_the_item_does_not_allow_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    application = submit(store)
    status.apply(store, str(application.id), State.NEEDS_SUPPLEMENT, reason="照片不合格", owed="photo",
                 changed_at=datetime.now(UTC).isoformat())
    session = SupplementSession(ID_NUMBER, pending_of(CATALOG, held_here(store, CATALOG, ID_NUMBER)))
    session.choose(session.pending[0])
    assert session.ready()  # the photo can only be handed in: chosen already
    session.ways["photo"] = SupplementWay.DECLARE  # as a stale screen might offer
    with pytest.raises(SupplementRefused) as refused:
        store_supplement(store, CATALOG, HALL, session, terminal_id="LC0001", now=datetime.now(UTC))
    assert refused.value.code is Refusal.WAY
    assert [e.kind for e in outbox.pending(store)] == ["application"]
    store.close()
