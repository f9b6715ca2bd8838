"""补齐 in the store: kept and queued in one transaction, its card number sealed, shredded like a rating's comment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.catalog import SupplementWay
from domain.lifecycle import State
from domain.supplement import Supplied
from kiosk.store import outbox, status, supplements
from kiosk.store.errors import RecordShredded
from kiosk.store.models import OutboxStatus
from kiosk.store.store import Store
from protocol.supplement import SupplementBody
from tests.kiosk.store.helpers import CATALOG, ID_NUMBER, open_test_store, submit

SUPPLIED = (Supplied("photo", SupplementWay.HAND_IN), Supplied("household_register", SupplementWay.DECLARE))


def keep(store: Store, number: str = "LC0009-261122-0001X") -> tuple[str, bytes]:
    """Keep one supplement for another terminal's application; return its id and body."""
    record_id = str(uuid.uuid4())
    body = SupplementBody(record_id, "LC0001", number, ID_NUMBER, SUPPLIED, CATALOG.version, CATALOG.content_hash,
                          datetime.now(UTC).isoformat()).as_json()
    supplements.add(store, record_id, number, offering_code="SB-001", supplied=SUPPLIED, body=body)
    return record_id, body


def test_a_supplement_is_queued_sealed_and_read_back_for_its_envelope(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    record_id, body = keep(store)
    (entry,) = outbox.pending(store)
    assert (entry.record_id, entry.kind) == (record_id, "supplement")
    assert outbox.payloads(store, [entry]) == {entry.seq: body}
    assert supplements.verdict(store, record_id) == supplements.Verdict(OutboxStatus.PENDING)
    outbox.reject(store, record_id, "supplement_not_applicant")
    assert supplements.verdict(store, record_id) == supplements.Verdict(OutboxStatus.NEEDS_MANUAL,
                                                                        "supplement_not_applicant")
    store.close()
    for path in tmp_path.glob("store.db*"):
        assert ID_NUMBER.encode() not in path.read_bytes()  # the card's number only sealed


def test_an_acknowledged_supplement_is_shredded_after_the_retention(tmp_path: Path) -> None:
    clock = [datetime.now(UTC)]
    store = open_test_store(tmp_path, lambda: clock[0])
    record_id, _ = keep(store)
    outbox.ack(store, record_id)
    clock[0] += timedelta(days=31)
    assert outbox.shred(store, timedelta(days=30)) == 1
    with pytest.raises(RecordShredded):
        supplements.payload(store, record_id)
    store.close()


def test_offline_the_terminal_finds_its_own_applications_that_owe_materials(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    owing, other = submit(store), submit(store, 1)
    status.apply(store, str(owing.id), State.NEEDS_SUPPLEMENT, reason="缺照片", owed="photo",
                 changed_at=datetime.now(UTC).isoformat())
    status.apply(store, str(other.id), State.ACCEPTED, reason="", owed="", changed_at=datetime.now(UTC).isoformat())
    ((number, content),) = supplements.owing_here(store)
    assert number == owing.number
    assert content["values"]["applicant.id_number"] == ID_NUMBER
    store.close()
