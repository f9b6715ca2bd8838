"""补齐 at central: a supplement from any terminal is checked against central's record and taken once, or refused."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, select

from central.platform import status
from central.platform.catalogs import CatalogArchive
from central.platform.schema import (
    application_changes,
    application_status,
    fleet_commands,
    messages,
    ops_audit,
    rejected,
    supplements,
)
from demo.devstack import ScratchPki
from domain.application import Application
from domain.catalog import SupplementWay
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from domain.numbering import receipt_number
from domain.supplement import Supplied
from protocol import topics
from protocol.envelope import Header, seal
from protocol.supplement import SupplementBody
from tests.central.platform.test_instant_ingest import rows
from tests.kiosk.store.helpers import CATALOG, ID_NUMBER, open_test_store, submit
from tests.sync.stack import SAMPLE_ARCHIVE, Central

HAND_IN, DECLARE = SupplementWay.HAND_IN, SupplementWay.DECLARE
OWED = ("photo", "household_register")


@pytest.fixture
def central(tmp_path: Path, central_db: Engine) -> Central:
    """Central on SQLite and on PostgreSQL: a supplement is taken in either's transaction."""
    return Central(tmp_path, central_db)


@pytest.fixture
def outlet(tmp_path: Path, central: Central) -> ec.EllipticCurvePrivateKey:
    """Return LC0002's key (a bank outlet the citizen never applied at), its certificate registered."""
    cert, _, key = ScratchPki(tmp_path / "pki-outlet").issue("LC0002")
    central.ingest.registry.add("LC0002", cert.read_bytes())
    return key


@pytest.fixture
def owing(tmp_path: Path, central: Central, signer: ec.EllipticCurvePrivateKey) -> Application:
    """An SB-001 application from LC0001 at central, whose back office asks for a new photo and the hukou."""
    store = open_test_store(tmp_path / "LC0001")
    application = submit(store)
    content = store.application_content(str(application.id))
    store.close()
    header = Header("LC0001", 1, str(application.id), "application", datetime.now(UTC).isoformat(), "boot")
    ack = central.ingest.handle(topics.up("LC0001", "application"),
                                seal(header, json.dumps(content).encode(), central.keys.uplink.public_key(), signer))
    assert ack is not None
    assert ack.status == "stored"
    status.change(central.ingest.engine, status.Change(application.number, "needs_supplement", "clerk-li",
                                                       "照片不合格，户口簿未提供", OWED), datetime.now(UTC))
    return application


def body(number: str, materials: tuple[Supplied, ...] = (Supplied("photo", HAND_IN),
                                                           Supplied("household_register", DECLARE)),
         holder: str = ID_NUMBER, **changed: Any) -> SupplementBody:
    """A supplement as LC0002 sends it: the card's number and a way for each material."""
    return SupplementBody(changed.get("id", str(uuid.uuid4())), "LC0002", number, holder, materials,
                          changed.get("version", CATALOG.version), CATALOG.content_hash,
                          datetime.now(UTC).isoformat())


def send(central: Central, key: ec.EllipticCurvePrivateKey, supplement: SupplementBody, seq: int = 1) -> str:
    """Send the supplement's envelope from LC0002; return the ack's status and reason."""
    header = Header("LC0002", seq, supplement.id, "supplement", datetime.now(UTC).isoformat(), "boot")
    sealed = seal(header, supplement.as_json(), central.keys.uplink.public_key(), key)
    ack = central.ingest.handle(topics.up("LC0002", "supplement"), sealed)
    assert ack is not None
    return f"{ack.status} {ack.reason}".strip()


def state(central: Central) -> tuple[str, str]:
    """Return the application's state and owed materials at central."""
    (row,) = rows(central.ingest.engine, application_status)
    return row["state"], row["owed"]


def test_the_applicant_supplements_at_another_terminal_and_the_application_continues(
        central: Central, outlet: ec.EllipticCurvePrivateKey, owing: Application) -> None:
    supplement = body(owing.number)
    assert send(central, outlet, supplement) == "stored"
    assert state(central) == ("received", "")
    engine = central.ingest.engine
    (taken,) = rows(engine, supplements)
    assert (taken["application"], taken["terminal"], taken["materials"]) == (
        str(owing.id), "LC0002", "photo:hand_in,household_register:declare")
    with engine.connect() as conn:
        stored = conn.execute(select(messages.c.kind, messages.c.application_id, messages.c.item, messages.c.number)
                              .where(messages.c.id == supplement.id)).one()
        changes = [(r.event, r.state, r.by) for r in conn.execute(
            select(application_changes).order_by(application_changes.c.n))]
        sent = [r.terminal for r in conn.execute(select(fleet_commands).order_by(fleet_commands.c.id))]
        audit = [(r.user, r.action, r.target) for r in conn.execute(select(ops_audit).order_by(ops_audit.c.n))]
    assert tuple(stored) == ("supplement", str(owing.id), "SB-001", None)
    assert changes[-1] == ("supplement", "received", "applicant@LC0002")
    assert sent == ["LC0001", "LC0001"]  # the request and the supplement both go to the terminal it was made at
    assert audit[-1] == ("applicant@LC0002", "status:supplement", owing.number)
    assert send(central, outlet, supplement) == "duplicate"  # a resend (or a replay) is taken once
    assert len(rows(engine, supplements)) == 1
    assert len(rows(engine, application_changes)) == 2
    assert send(central, outlet, body(owing.number), seq=2) == "rejected supplement_not_needed"  # a second one


@pytest.mark.parametrize(("changed", "reason"), [
    ({"holder": "11010519491231002X"}, "supplement_not_applicant"),  # someone else's card
    ({"materials": (Supplied("photo", HAND_IN),)}, "supplement_not_owed"),  # one of two
    ({"materials": (Supplied("photo", HAND_IN), Supplied("household_register", DECLARE),
                    Supplied("id_card", HAND_IN))}, "supplement_not_owed"),
    ({"materials": (Supplied("photo", DECLARE), Supplied("household_register", DECLARE))}, "supplement_way"),
    ({"number": "elsewhere"}, "supplement_unknown_application"),  # a well-formed number central never received
    ({"version": "1999.1"}, "unknown_catalog_version"),
])
def test_a_supplement_central_cannot_take_is_refused_with_its_reason_and_changes_nothing(
        central: Central, outlet: ec.EllipticCurvePrivateKey, owing: Application, changed: dict[str, Any],
        reason: str) -> None:
    changed = dict(changed)  # the parameters are shared by the SQLite and PostgreSQL runs
    number = receipt_number("LC0009", owing.created_at.date(), 1) if changed.pop("number", "") else owing.number
    supplement = body(number, **changed)
    assert send(central, outlet, supplement) == f"rejected {reason}"
    assert state(central) == ("needs_supplement", ",".join(OWED))
    assert rows(central.ingest.engine, supplements) == []
    with central.ingest.engine.connect() as conn:
        assert conn.execute(select(messages.c.id).where(messages.c.kind == "supplement")).all() == []
        (refusal,) = conn.execute(select(rejected.c.terminal, rejected.c.seq, rejected.c.message_id,
                                         rejected.c.reason)).all()
    assert tuple(refusal) == ("LC0002", 1, supplement.id, reason)  # signed: it fills its place in LC0002's sequence


def test_an_application_that_owes_nothing_takes_no_supplement(
        central: Central, outlet: ec.EllipticCurvePrivateKey, owing: Application) -> None:
    status.change(central.ingest.engine, status.Change(owing.number, "not_accepted", "clerk-li", "逾期未补齐"),
                  datetime.now(UTC))
    assert send(central, outlet, body(owing.number)) == "rejected supplement_not_needed"
    assert state(central) == ("not_accepted", "")


def test_a_refused_supplement_resent_after_a_new_request_stays_refused(
        central: Central, outlet: ec.EllipticCurvePrivateKey, owing: Application) -> None:
    status.change(central.ingest.engine, status.Change(owing.number, "received", "clerk-li", ""), datetime.now(UTC))
    supplement = body(owing.number)
    assert send(central, outlet, supplement) == "rejected supplement_not_needed"
    status.change(central.ingest.engine, status.Change(owing.number, "needs_supplement", "clerk-li", "again", OWED),
                  datetime.now(UTC))
    assert send(central, outlet, supplement) == "rejected supplement_not_needed"  # its refusal ack was lost
    assert state(central)[0] == "needs_supplement"  # the new request waits for a new supplement


def test_a_declaration_todays_catalog_no_longer_allows_is_refused_whatever_the_terminals_version(
        tmp_path: Path, central: Central, outlet: ec.EllipticCurvePrivateKey, owing: Application) -> None:
    stricter = tmp_path / "catalog-2026.12.8"
    shutil.copytree(SAMPLE_CATALOG, stricter)
    items = stricter / "items" / "social_security.toml"
    items.write_text(items.read_text(encoding="utf-8").replace(
        'electronic = true, supplement = ["declare", "hand_in"] }', 'electronic = true, supplement = ["hand_in"] }'),
        encoding="utf-8")
    meta = stricter / "catalog.toml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('version = "2026.12.7"', 'version = "2026.12.8"'),
                    encoding="utf-8")
    central.ingest.archive = CatalogArchive([*SAMPLE_ARCHIVE.catalogs.values(), load_catalog(stricter)])
    assert send(central, outlet, body(owing.number)) == "rejected supplement_way"  # declared on the older version
    assert state(central) == ("needs_supplement", ",".join(OWED))
