"""Tables of the local store (SQLAlchemy 2.0 typed ORM); personal content only as ciphertext."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class OutboxStatus(StrEnum):
    """Where an outbox entry stands with central."""

    PENDING = "pending"  # not acknowledged yet: due, or waiting for a retry
    ACKED = "acked"  # central stored it (or had it already); its keys are shredded after the retention window
    NEEDS_MANUAL = "needs_manual"  # central refused it, or it cannot be read here: parked for a person


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class Meta(Base):
    """Store-wide facts: the key check, the terminal id."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str]


class Counter(Base):
    """Monotonic counters; `seq` orders every record the terminal creates."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[int]


class DailyNumber(Base):
    """The last receipt sequence used on each date (kept, so clock jumps never reuse one)."""

    __tablename__ = "daily_numbers"
    day: Mapped[str] = mapped_column(String, primary_key=True)
    last_seq: Mapped[int]


class DataKey(Base):
    """A rating's or the device secret's data key, wrapped by the key-encryption key; deleting it shreds the record."""

    __tablename__ = "data_keys"
    record_id: Mapped[str] = mapped_column(String, primary_key=True)
    kek_id: Mapped[str]
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[str]


class ApplicationRow(Base):
    """An application: metadata in clear, the application as ciphertext under its own data key, kept wrapped here.

    Shredding overwrites the wrapped key and the ciphertext (the row is written again without them).
    """

    __tablename__ = "applications"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    number: Mapped[str] = mapped_column(unique=True)
    offering_code: Mapped[str]
    offering_kind: Mapped[str]
    catalog_version: Mapped[str]
    catalog_hash: Mapped[str]
    state: Mapped[str]
    created_at: Mapped[str]
    boot_id: Mapped[str]
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    shredded_at: Mapped[str | None]
    kek_id: Mapped[str | None]  # the key-encryption key that wrapped wrapped_key
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once shredded


class ReceiptRow(Base):
    """The receipt document of an application, kept encrypted for reprints."""

    __tablename__ = "receipts"
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    printed: Mapped[int] = mapped_column(default=0)


class OutboxRow(Base):
    """One record waiting for central, ordered by the terminal's sequence."""

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(unique=True)
    kind: Mapped[str]
    status: Mapped[str]  # an OutboxStatus
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[str | None]
    acked_at: Mapped[str | None]
    note: Mapped[str | None]
    created_at: Mapped[str]
    boot_id: Mapped[str]

    __table_args__ = (Index("ix_outbox_status_seq", "status", "seq"),)


class InboxRow(Base):
    """A message from central (catalog, status change, command), kept until processed."""

    __tablename__ = "inbox"
    message_id: Mapped[str] = mapped_column(String, primary_key=True)
    topic: Mapped[str]
    kind: Mapped[str]
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[str]
    processed_at: Mapped[str | None]


class CommandRow(Base):
    """A signed command from central (kept as received), its state here, and the last state reported back."""

    __tablename__ = "commands"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    kind: Mapped[str]
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    expires: Mapped[str]
    status: Mapped[str]  # delivered | running | succeeded | failed | expired
    detail: Mapped[str]
    received_at: Mapped[str]
    done_at: Mapped[str | None]
    reported: Mapped[str | None]  # the status central last acknowledged hearing (None: nothing yet)

    __table_args__ = (Index("ix_commands_status", "status"),)


class QuestionRow(Base):
    """A 进度查询 question on its way to central and back: sealed both ways, gone once read (or after a minute)."""

    __tablename__ = "questions"
    id: Mapped[str] = mapped_column(String, primary_key=True)  # the MQTT 5 correlation data (hex)
    question: Mapped[bytes] = mapped_column(LargeBinary)  # sealed to central's key: the store cannot read it
    asked_at: Mapped[str]
    sent_at: Mapped[str | None]
    answer: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed under a key only the asking screen holds


class StatusRow(Base):
    """Central's latest word on an application of this terminal (nothing personal: a state, a reason, what is owed)."""

    __tablename__ = "application_status"
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    state: Mapped[str]
    reason: Mapped[str]
    owed: Mapped[str]  # material ids, comma-separated
    due: Mapped[str | None]  # the last day to hand them in (YYYY-MM-DD)
    changed_at: Mapped[str]  # when central decided (its command's time)
    heard_at: Mapped[str]  # when this terminal heard it: a progress query offline says how old it is


class RatingRow(Base):
    """A 好差评 rating; a free-text comment is personal and stored encrypted."""

    __tablename__ = "ratings"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    application_id: Mapped[str | None]
    level: Mapped[int]
    comment: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[str]
    boot_id: Mapped[str]
    shredded_at: Mapped[str | None]


class SupplementRow(Base):
    """A 补齐 of an application (maybe another terminal's): what was supplied and how in clear, the body sealed.

    The sealed body holds the ID number read from the citizen's card, under its own data key in ``data_keys``:
    shredding destroys it like a rating's comment once central has acknowledged it and the retention passed.
    """

    __tablename__ = "supplements"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    number: Mapped[str]  # the application's receipt number
    offering_code: Mapped[str]
    materials: Mapped[str]  # JSON [[material id, way], ...]: nothing personal
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # the envelope body, sealed (None once shredded)
    created_at: Mapped[str]
    boot_id: Mapped[str]
    shredded_at: Mapped[str | None]


class HelpRequestRow(Base):
    """A citizen pressed 呼叫帮办 (call staff); no personal data."""

    __tablename__ = "help_requests"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    screen: Mapped[str]
    item: Mapped[str | None]
    application_id: Mapped[str | None]
    created_at: Mapped[str]
    boot_id: Mapped[str]


class DeviceStatusRow(Base):
    """A device status snapshot, for telemetry (never personal)."""

    __tablename__ = "device_status"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    device: Mapped[str]
    state: Mapped[str]
    snapshot: Mapped[str]
    at: Mapped[str]
    boot_id: Mapped[str]


class EventRow(Base):
    """Something ops should know (store quarantined, disk full); never personal."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str]
    severity: Mapped[str]
    detail: Mapped[str]
    at: Mapped[str]
    boot_id: Mapped[str]
