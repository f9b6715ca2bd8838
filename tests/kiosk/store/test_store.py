"""The store: durable submit, pragmas, numbering, outbox, reprint, ratings, shredding."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.lifecycle import State
from domain.numbering import parse_receipt_number
from kiosk.store import outbox
from kiosk.store.crypto import DecryptionFailed
from kiosk.store.errors import RecordNotFound, RecordShredded
from kiosk.store.inspect import stats
from kiosk.store.models import ApplicationRow, EventRow, OutboxRow, RatingRow
from kiosk.store.store import Store
from tests.kiosk.store.helpers import NAME, open_test_store, submit


def live_keys(store: Store) -> int:
    """Return how many data keys remain (in applications' rows and in data_keys)."""
    return int(stats(store)["live_data_keys"])


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = open_test_store(tmp_path)
    yield opened  # type: ignore[misc]
    opened.close()


def test_pragmas_give_durability_and_privacy(store: Store) -> None:
    with store.engine.connect() as conn:
        values = {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in
                  ("journal_mode", "synchronous", "secure_delete", "temp_store", "busy_timeout")}
    assert values == {"journal_mode": "wal", "synchronous": 2, "secure_delete": 1, "temp_store": 2,
                      "busy_timeout": 10000}


def test_a_submitted_application_survives_reopening(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    application = submit(store)
    store.close()
    reopened = open_test_store(tmp_path)
    content = reopened.application_content(str(application.id))
    assert content["values"]["applicant.name"] == NAME
    assert content["number"] == application.number
    assert [e.record_id for e in outbox.pending(reopened)] == [str(application.id)]
    reopened.close()


def test_submit_is_one_transaction(store: Store) -> None:
    def broken_receipt(_: object) -> object:
        raise RuntimeError("printer layout bug")

    from domain.application import Draft, create
    from tests.kiosk.store.helpers import CATALOG, OFFERING, answers

    now = datetime.now(UTC)
    with pytest.raises(RuntimeError):
        store.submit(now.date(), lambda seq: create(Draft(OFFERING, answers()), CATALOG, "LC0001", seq, now),
                     broken_receipt)  # type: ignore[arg-type]
    assert store.count(ApplicationRow) == store.count(OutboxRow) == live_keys(store) == 0
    assert parse_receipt_number(submit(store).number)[2] == 1  # the failed attempt used no number


def test_numbers_continue_when_the_clock_goes_back(store: Store) -> None:
    day = datetime(2026, 11, 20, 9, tzinfo=UTC)
    first = [submit(store, now=day) for _ in range(2)]
    submit(store, now=day + timedelta(days=1))
    again = submit(store, now=day)  # clock set back a day
    assert [parse_receipt_number(a.number)[2] for a in [*first, again]] == [1, 2, 3]


def test_a_1970_clock_still_gives_unique_numbers_and_ordered_entries(store: Store) -> None:
    normal = submit(store, now=datetime(2026, 11, 20, tzinfo=UTC))
    reset = submit(store, now=datetime(1970, 1, 1, tzinfo=UTC))
    assert reset.number.split("-")[1] == "700101"
    assert [e.record_id for e in outbox.pending(store)] == [str(normal.id), str(reset.id)]


def test_ack_is_idempotent_and_moves_the_state(store: Store) -> None:
    application = submit(store)
    assert outbox.ack(store, str(application.id)) is True
    assert outbox.ack(store, str(application.id)) is False
    assert outbox.pending(store) == []
    with store.engine.connect() as conn:
        state = conn.execute(ApplicationRow.__table__.select()).first().state  # type: ignore[union-attr]
    assert state == State.RECEIVED


def test_a_rejected_entry_is_parked_with_an_event(store: Store) -> None:
    application = submit(store)
    outbox.reject(store, str(application.id), "unknown catalog version")
    assert outbox.pending(store) == []
    assert store.count(ApplicationRow) == 1
    assert store.events("outbox_rejected")[0]["detail"]["reason"] == "unknown catalog version"


def test_a_retry_waits_for_its_time(store: Store) -> None:
    application = submit(store)
    entry = outbox.pending(store)[0]
    outbox.attempted(store, entry.seq, timedelta(minutes=5))
    assert outbox.pending(store) == []
    store.clock = lambda: datetime.now(UTC) + timedelta(minutes=6)
    assert [e.record_id for e in outbox.pending(store)] == [str(application.id)]
    assert outbox.pending(store)[0].attempts == 1


def test_reprint_then_shredding_refuses_it(store: Store, tmp_path: Path) -> None:
    application = submit(store)
    assert store.reprint(application.number).number == application.number
    outbox.ack(store, str(application.id))
    raw = sqlite3.connect(store.path)
    wrapped = raw.execute("SELECT wrapped_key FROM applications").fetchone()[0]
    content = raw.execute("SELECT content FROM applications").fetchone()[0]
    raw.close()
    assert outbox.shred(store, timedelta(days=7)) == 0  # not yet past retention
    store.clock = lambda: datetime.now(UTC) + timedelta(days=8)
    assert outbox.shred(store, timedelta(days=7)) == 1
    with pytest.raises(RecordShredded):
        store.reprint(application.number)
    with pytest.raises(RecordShredded):
        store.application_content(str(application.id))
    assert store.count(ApplicationRow) == 1  # metadata stays for statistics
    assert live_keys(store) == 0
    assert Path(f"{store.path}-wal").stat().st_size == 0  # checkpointed and truncated
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("store.db"))
    assert wrapped not in on_disk  # secure_delete zeroed the freed key
    assert content[:64] not in on_disk


def test_unacknowledged_records_are_never_shredded(store: Store) -> None:
    submit(store)
    store.clock = lambda: datetime.now(UTC) + timedelta(days=365)
    assert outbox.shred(store, timedelta(days=7)) == 0
    assert live_keys(store) == 1


def test_unknown_number_for_reprint(store: Store) -> None:
    with pytest.raises(RecordNotFound):
        store.reprint("LC0001-261122-00017")


def test_ciphertext_moved_to_another_row_does_not_decrypt(store: Store) -> None:
    first, second = submit(store, 1), submit(store, 2)
    raw = sqlite3.connect(store.path)
    content = raw.execute("SELECT content FROM applications WHERE id = ?", (str(first.id),)).fetchone()[0]
    raw.execute("UPDATE applications SET content = ? WHERE id = ?", (content, str(second.id)))
    raw.commit()
    raw.close()
    assert store.application_content(str(first.id))["number"] == first.number
    with pytest.raises(DecryptionFailed):
        store.application_content(str(second.id))


def test_ratings_are_queued_and_their_comment_encrypted(store: Store) -> None:
    application = submit(store)
    rating = store.rate(str(application.id), 2, "等候时间太长")
    entries = outbox.pending(store)
    assert [e.kind for e in entries] == ["application", "rating"]
    assert b"\xe7\xad\x89\xe5\x80\x99" not in Path(store.path).read_bytes()  # 等候 in UTF-8
    assert b"\xe7\xad\x89\xe5\x80\x99".decode() in outbox.payload(store, entries[1]).decode()
    assert store.count(RatingRow) == 1
    assert rating
    with pytest.raises(ValueError, match="between 1 and 5"):
        store.rate(None, 6)


def test_events_and_status_snapshots(store: Store) -> None:
    store.record_event("printer_paper_out", "warning", {"device": "printer"})
    store.record_status("printer", "online", {"paper": "low"})
    assert store.count(EventRow) == 1
    assert store.events()[0]["kind"] == "printer_paper_out"


def test_the_device_secret_survives_key_rotation_and_shredding(tmp_path: Path) -> None:
    from kiosk.store.keys import KeyFileProvider
    from kiosk.store.opening import open_store
    from kiosk.store.rotation import rotate

    store = open_store(tmp_path / "store.db", KeyFileProvider(tmp_path / "old.key"))
    secret = store.device_secret()
    assert len(secret) == 32
    assert store.device_secret() == secret  # made once
    application = submit(store)
    outbox.ack(store, str(application.id))
    store.clock = lambda: datetime.now(UTC) + timedelta(days=30)
    assert outbox.shred(store, timedelta(days=7)) == 1  # shredding takes the application's key, not this one
    rotate(store, KeyFileProvider(tmp_path / "new.key"))
    store.close()
    reopened = open_store(tmp_path / "store.db", KeyFileProvider(tmp_path / "new.key"))
    assert reopened.device_secret() == secret
    reopened.close()
