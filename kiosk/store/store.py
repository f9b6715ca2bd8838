"""The encrypted local store: durable submit, reprint, ratings, events, status snapshots."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, PoolProxiedConnection, func, insert, select, update

from domain.application import Application
from domain.export import to_jsonable
from domain.receipt import Receipt, receipt_from_dict
from kiosk.store import database as db
from kiosk.store.crashpoints import crashpoint
from kiosk.store.crypto import bind, key_id, new_key, open_sealed, open_with, seal, seal_with
from kiosk.store.errors import RecordNotFound, RecordShredded, WrongKey
from kiosk.store.keys import KeyProvider
from kiosk.store.models import (
    ApplicationRow,
    DataKey,
    DeviceStatusRow,
    EventRow,
    HelpRequestRow,
    OutboxRow,
    OutboxStatus,
    RatingRow,
    ReceiptRow,
)

Clock = Callable[[], datetime]
DEVICE_SECRET = "device-key"  # noqa: S105 - the record id of the data key that protects the device key

# The submit path uses prepared SQL through the driver: it runs for every citizen.
SQL_NEXT_SEQ = (
    "INSERT INTO counters (name, value) VALUES ('seq', 1) "
    "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value"
)
SQL_NEXT_DAILY = (
    "INSERT INTO daily_numbers (day, last_seq) VALUES (?, ?) "
    "ON CONFLICT (day) DO UPDATE SET last_seq = max(last_seq + 1, ?) RETURNING last_seq"
)
SQL_NEXT_SEQ_AND_KEK = (  # the submit's sequence and the store's current key id in one trip
    "INSERT INTO counters (name, value) VALUES ('seq', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 "
    "RETURNING value, (SELECT value FROM meta WHERE key = 'kek_id')"
)
SQL_KEK_ID = "SELECT value FROM meta WHERE key = 'kek_id'"
SQL_DATA_KEY = "INSERT INTO data_keys (record_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)"
SQL_APPLICATION = (
    "INSERT INTO applications (id, seq, number, offering_code, offering_kind, catalog_version, "
    "catalog_hash, state, created_at, boot_id, content, kek_id, wrapped_key) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SQL_RECEIPT = "INSERT INTO receipts (application_id, document, printed) VALUES (?, ?, 0)"
SQL_CONTENTS = "SELECT id, content, wrapped_key FROM applications WHERE id IN ({marks})"  # only "?" marks go in
SQL_APPLICATION_KEY = "SELECT wrapped_key FROM applications WHERE id = ?"
SQL_OUTBOX = (  # a new entry is OutboxStatus.PENDING
    "INSERT INTO outbox (seq, record_id, kind, status, attempts, created_at, boot_id) "
    "VALUES (?, ?, ?, 'pending', 0, ?, ?)"
)


def utc_now() -> datetime:
    """Return the current wall time in UTC."""
    return datetime.now(UTC)


def boot_id() -> str:
    """Return this boot's id (records keep it beside wall time, which may jump)."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return f"process-{uuid.uuid4()}"


def to_json(value: Any) -> bytes:
    """Serialize a domain value canonically as UTF-8 JSON."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, sort_keys=True).encode()


@dataclass
class Store:
    """The terminal's store; open it with ``kiosk.store.opening.open_store``."""

    engine: Engine
    path: Path
    kek: bytes
    kek_id: str
    clock: Clock = utc_now
    boot: str = ""
    daily_floor: tuple[str, int] | None = None  # (last day, floor) after an unsalvageable quarantine
    provider: KeyProvider | None = None  # to pick up a key rotated by the other process
    _submitter: tuple[PoolProxiedConnection, sqlite3.Connection] | None = field(default=None, init=False, repr=False)
    _submitting: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _kek_cipher: tuple[str, AESGCM] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        """Fill in the boot id."""
        self.boot = self.boot or boot_id()

    def now(self) -> str:
        """Return the wall time as stored (ISO 8601, UTC)."""
        return self.clock().astimezone(UTC).isoformat()

    # -- keys -------------------------------------------------------------------------
    def _current_kek(self, raw: sqlite3.Connection) -> None:
        """Follow a key rotation done by the other process, so no record is wrapped with a retired key."""
        stored = raw.execute(SQL_KEK_ID).fetchone()
        self._adopt_kek(None if stored is None else stored[0])

    def _adopt_kek(self, stored: str | None) -> None:
        """Load the key ``stored`` names when another process rotated to it."""
        if stored is None or stored == self.kek_id:
            return
        fresh = self.provider.load() if self.provider is not None else b""
        if key_id(fresh) != stored:
            raise WrongKey(f"the store's key changed to {stored} and this process cannot load it; restart it")
        self.kek, self.kek_id = fresh, stored

    def _kek(self) -> AESGCM:
        """Return the key-encryption cipher, built once per key."""
        if self._kek_cipher is None or self._kek_cipher[0] != self.kek_id:
            self._kek_cipher = (self.kek_id, AESGCM(self.kek))
        return self._kek_cipher[1]

    def wrap(self, key: bytes, record_id: str) -> bytes:
        """Wrap a record's data key under the current key-encryption key."""
        return seal_with(self._kek(), key, bind("data_keys", record_id, "wrapped"))

    def unwrap(self, wrapped: bytes | None, record_id: str) -> bytes:
        """Unwrap a record's data key; raise RecordShredded once it is destroyed."""
        if wrapped is None:
            raise RecordShredded(f"record {record_id} was shredded after central confirmed it")
        return open_with(self._kek(), wrapped, bind("data_keys", record_id, "wrapped"))

    def _new_data_key(self, conn: Connection, record_id: str, now: str) -> bytes:
        """Create, wrap and store a data key for a rating or the device secret."""
        raw = db.driver(conn)
        self._current_kek(raw)
        key = new_key()
        raw.execute(SQL_DATA_KEY, (record_id, self.kek_id, self.wrap(key, record_id), now))
        return key

    def data_key(self, conn: Connection, record_id: str) -> bytes:
        """Unwrap the data key of a rating or the device secret."""
        self._current_kek(db.driver(conn))
        wrapped = conn.execute(select(DataKey.wrapped).where(DataKey.record_id == record_id)).scalar()
        return self.unwrap(wrapped, record_id)

    def application_key(self, conn: Connection, record_id: str) -> bytes:
        """Unwrap an application's data key, kept in its row."""
        raw = db.driver(conn)
        self._current_kek(raw)
        row = raw.execute(SQL_APPLICATION_KEY, (record_id,)).fetchone()
        return self.unwrap(None if row is None else row[0], record_id)

    def device_secret(self) -> bytes:
        """Return the secret that protects the terminal's device key, creating it on first use.

        It is kept like a record's data key (wrapped by the KEK), so key rotation rewraps it
        and the device key stays readable; shredding never touches it (it has no outbox entry).
        """
        with db.write(self.engine) as conn:
            exists = conn.execute(select(DataKey.record_id).where(DataKey.record_id == DEVICE_SECRET)).first()
            if exists is None:
                return self._new_data_key(conn, DEVICE_SECRET, self.now())
            return self.data_key(conn, DEVICE_SECRET)

    # -- sequences --------------------------------------------------------------------
    def _next_seq(self, conn: Connection) -> int:
        """Advance the terminal-wide sequence that orders every record."""
        return int(db.driver(conn).execute(SQL_NEXT_SEQ).fetchone()[0])

    def _next_daily(self, raw: sqlite3.Connection, day: date) -> int:
        """Advance the receipt sequence of ``day``, continuing it if the clock came back."""
        key = day.isoformat()
        floor = 0
        if self.daily_floor and key <= self.daily_floor[0]:
            floor = self.daily_floor[1]
        return int(raw.execute(SQL_NEXT_DAILY, (key, floor + 1, floor + 1)).fetchone()[0])

    # -- applications -----------------------------------------------------------------
    def submit(
        self, day: date, build: Callable[[int], Application], make_receipt: Callable[[Application], Receipt]
    ) -> Application:
        """Number, encrypt and durably store an application with its outbox entry and receipt.

        ``build`` gets the day's receipt sequence and returns the application. One
        transaction writes everything (the data key wrapped in the application's row): once this
        returns, the application survives a crash. It runs for every citizen, so it keeps its own
        connection and goes straight to the driver.
        """
        with db.translate(), self._submitting:
            raw = self._submit_connection()
            with db.immediate(raw):
                application = build(self._next_daily(raw, day))
                seq, stored_kek = raw.execute(SQL_NEXT_SEQ_AND_KEK).fetchone()
                self._adopt_kek(stored_kek)
                rid, now, key = str(application.id), self.now(), new_key()
                cipher = AESGCM(key)
                raw.execute(SQL_APPLICATION, (
                    rid, seq, application.number, application.offering_code, application.offering_kind,
                    application.catalog_version, application.catalog_hash, application.state.value, now, self.boot,
                    seal_with(cipher, to_json(application), bind("applications", rid, "content")),
                    self.kek_id, self.wrap(key, rid),
                ))
                receipt = to_json(make_receipt(application))
                raw.execute(SQL_RECEIPT, (rid, seal_with(cipher, receipt, bind("receipts", rid, "document"))))
                raw.execute(SQL_OUTBOX, (seq, rid, "application", now, self.boot))
                crashpoint("before_commit")
        crashpoint("after_commit")
        return application

    def _submit_connection(self) -> sqlite3.Connection:
        """Return the submit path's long-lived connection (opened with the store's pragmas on first use)."""
        if self._submitter is None:
            proxy = self.engine.raw_connection()
            raw = proxy.driver_connection
            proxy.detach()  # its own from now on: the pool neither lends it out nor counts it
            if not isinstance(raw, sqlite3.Connection):
                raise TypeError("the store runs on the sqlite3 driver")
            self._submitter = (proxy, raw)
        return self._submitter[1]

    def _enqueue(self, conn: Connection, seq: int, record_id: str, kind: str, now: str) -> None:
        """Add an outbox entry for a record."""
        db.driver(conn).execute(SQL_OUTBOX, (seq, record_id, kind, now, self.boot))

    def application_content(self, record_id: str) -> dict[str, Any]:
        """Decrypt and return a stored application as its JSON form."""
        with db.read(self.engine) as conn:
            row = conn.execute(select(ApplicationRow.content).where(ApplicationRow.id == record_id)).first()
            if row is None:
                raise RecordNotFound(f"no application {record_id}")
            key = self.application_key(conn, record_id)
            if row.content is None:
                raise RecordShredded(f"application {record_id} was shredded")
            data: dict[str, Any] = json.loads(open_sealed(key, row.content, bind("applications", record_id, "content")))
            return data

    def application_plaintexts(self, record_ids: list[str]) -> dict[str, bytes]:
        """Decrypt several stored applications in one read, as the JSON bytes stored (the sync agent's batch)."""
        if not record_ids:
            return {}
        marks = ",".join("?" * len(record_ids))
        with db.read(self.engine) as conn:
            raw = db.driver(conn)
            self._current_kek(raw)
            rows = raw.execute(SQL_CONTENTS.format(marks=marks), record_ids).fetchall()
        plaintexts: dict[str, bytes] = {}
        for rid, content, wrapped in rows:
            if content is None or wrapped is None:
                raise RecordShredded(f"application {rid} was shredded")
            key = self.unwrap(wrapped, rid)
            plaintexts[rid] = open_sealed(key, content, bind("applications", rid, "content"))
        return plaintexts

    def reprint(self, number: str) -> Receipt:
        """Return the receipt of application ``number`` for printing again."""
        with db.write(self.engine) as conn:
            row = conn.execute(select(ApplicationRow.id, ReceiptRow.document).join(
                ReceiptRow, ReceiptRow.application_id == ApplicationRow.id
            ).where(ApplicationRow.number == number.strip().upper())).first()
            if row is None:
                raise RecordNotFound(f"no application with number {number} on this terminal")
            key = self.application_key(conn, row.id)
            if row.document is None:
                raise RecordShredded(f"the receipt of {number} was shredded")
            plain = open_sealed(key, row.document, bind("receipts", row.id, "document"))
            conn.execute(update(ReceiptRow).where(ReceiptRow.application_id == row.id).values(
                printed=ReceiptRow.printed + 1
            ))
            return receipt_from_dict(json.loads(plain))

    # -- ratings, events, status ----------------------------------------------------------
    def rate(self, application_id: str | None, level: int, comment: str = "") -> str:
        """Store a 好差评 rating (1 = 非常不满意 … 5 = 非常满意) and queue it for central."""
        if not 1 <= level <= 5:
            raise ValueError("a rating is between 1 and 5")
        rating_id = str(uuid.uuid4())
        with db.write(self.engine) as conn:
            seq = self._next_seq(conn)
            sealed = None
            if comment:
                key = self._new_data_key(conn, rating_id, self.now())
                sealed = seal(key, comment.encode(), bind("ratings", rating_id, "comment"))
            now = self.now()
            conn.execute(insert(RatingRow).values(
                id=rating_id, seq=seq, application_id=application_id, level=level, comment=sealed,
                created_at=now, boot_id=self.boot,
            ))
            self._enqueue(conn, seq, rating_id, "rating", now)
        return rating_id

    def request_help(self, screen: str, item: str | None = None, application_id: str | None = None) -> str:
        """Store a help request (呼叫帮办) from ``screen`` and queue it for central; return its id."""
        request_id = str(uuid.uuid4())
        with db.write(self.engine) as conn:
            seq, now = self._next_seq(conn), self.now()
            conn.execute(insert(HelpRequestRow).values(
                id=request_id, seq=seq, screen=screen[:40], item=item, application_id=application_id,
                created_at=now, boot_id=self.boot,
            ))
            self._enqueue(conn, seq, request_id, "help_request", now)
        return request_id

    def record_event(self, kind: str, severity: str, detail: dict[str, Any]) -> None:
        """Record an event for ops; ``detail`` must hold no personal data."""
        with db.write(self.engine) as conn:
            conn.execute(insert(EventRow).values(
                kind=kind, severity=severity, detail=json.dumps(detail, ensure_ascii=False),
                at=self.now(), boot_id=self.boot,
            ))

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Return recorded events, oldest first."""
        query = select(EventRow).order_by(EventRow.id)
        if kind is not None:
            query = query.where(EventRow.kind == kind)
        with db.read(self.engine) as conn:
            return [
                {"kind": r.kind, "severity": r.severity, "detail": json.loads(r.detail), "at": r.at}
                for r in conn.execute(query)
            ]

    def record_status(self, device: str, state: str, snapshot: dict[str, Any]) -> None:
        """Record a device status snapshot for telemetry."""
        with db.write(self.engine) as conn:
            conn.execute(insert(DeviceStatusRow).values(
                device=device, state=state, snapshot=json.dumps(snapshot), at=self.now(), boot_id=self.boot
            ))

    def count_unacked(self) -> int:
        """Return how many outbox entries were sent at least once and await central's ack."""
        with db.read(self.engine) as conn:
            return int(conn.execute(
                select(func.count()).select_from(OutboxRow)
                .where(OutboxRow.status == OutboxStatus.PENDING, OutboxRow.attempts > 0)
            ).scalar_one())

    def count_applications(self) -> int:
        """Return how many applications the store holds."""
        return self.count(ApplicationRow)

    def count_shredded(self) -> int:
        """Return how many applications have been crypto-shredded."""
        with db.read(self.engine) as conn:
            return int(conn.execute(
                select(func.count()).where(ApplicationRow.shredded_at.is_not(None))
            ).scalar_one())

    def count(self, model: type[Any]) -> int:
        """Return the number of rows of a table."""
        with db.read(self.engine) as conn:
            return int(conn.execute(select(func.count()).select_from(model)).scalar_one())

    def close(self) -> None:
        """Release the database file."""
        with self._submitting:
            if self._submitter is not None:
                self._submitter[0].close()
                self._submitter = None
        self.engine.dispose()
