"""秒批 at central: the rules decide in the transaction that stores the application; a person gets the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, insert, select

from central.platform.schema import application_changes, application_status, fleet_commands, ops_audit
from domain.application import Application, Draft
from kiosk.services.submit import submit_application
from protocol.envelope import Header, seal
from tests.central.platform.test_ingest import TOPIC
from tests.domain.answers import valid_answers
from tests.kiosk.store.helpers import CATALOG, HALL, open_test_store, submit
from tests.sync.stack import Central

INSTANT = CATALOG.offering("JT-002")


def instant_answers(**changed: Any) -> dict[str, Any]:
    """Answers to JT-002 that meet its rules (an adult, a passenger driver, a card still valid), then ``changed``."""
    values = {**valid_answers(INSTANT.form), "applicant.birth_date": "1990-03-07",
              "applicant.id_valid_until": "2036-01-01", "qualification.category": "passenger"}
    values.update({key.replace("__", "."): value for key, value in changed.items()})
    return {key: value for key, value in values.items() if value is not None}


def submitted(tmp_path: Path, values: dict[str, Any]) -> tuple[Application, dict[str, Any]]:
    """Submit a JT-002 application at a terminal; return it and the content its envelope carries."""
    store = open_test_store(tmp_path / "terminal")
    try:
        application, _ = submit_application(store, catalog=CATALOG, hall=HALL, terminal_id="LC0001",
                                            draft=Draft(INSTANT, values), now=datetime.now(UTC))
        return application, store.application_content(str(application.id))
    finally:
        store.close()


def arrive(central: Central, signer: ec.EllipticCurvePrivateKey, application: Application,
           content: dict[str, Any], seq: int = 1) -> str:
    """Send the application's envelope to ingest; return the ack's status."""
    header = Header("LC0001", seq, str(application.id), "application", datetime.now(UTC).isoformat(), "boot")
    sealed = seal(header, json.dumps(content).encode(), central.keys.uplink.public_key(), signer)
    ack = central.ingest.handle(TOPIC + "app", sealed)
    assert ack is not None
    return ack.status


def rows(engine: Engine, table: Any) -> list[dict[str, Any]]:
    """Return every row of ``table``."""
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(table)).mappings()]


@pytest.fixture
def central(tmp_path: Path, central_db: Engine) -> Central:
    """Central on SQLite and on PostgreSQL: the decision is taken in either's transaction."""
    return Central(tmp_path, central_db)


def test_an_application_meeting_the_rules_is_approved_as_it_is_stored(
        tmp_path: Path, central: Central, signer: ec.EllipticCurvePrivateKey) -> None:
    application, content = submitted(tmp_path, instant_answers())
    assert arrive(central, signer, application, content) == "stored"
    (status,) = rows(central.ingest.engine, application_status)
    assert (status["application"], status["state"], status["changed_by"]) == (str(application.id), "approved",
                                                                               "instant")
    changes = [(c["event"], c["state"], c["by"], c["command"] is not None) for c in rows(central.ingest.engine,
                                                                                          application_changes)]
    assert changes == [("accept", "accepted", "instant", False), ("approve", "approved", "instant", True)]
    (command,) = rows(central.ingest.engine, fleet_commands)
    assert (command["terminal"], command["status"]) == ("LC0001", "scheduled")
    assert [(a["user"], a["action"], a["target"]) for a in rows(central.ingest.engine, ops_audit)] == [
        ("instant", "status:approve", application.number)]
    assert central.ingest.metrics.instant.labels("approve")._value.get() == 1
    # a copy sent again is a duplicate: nothing is decided twice
    assert arrive(central, signer, application, content) == "duplicate"
    assert len(rows(central.ingest.engine, fleet_commands)) == 1


@pytest.mark.parametrize("changed", [
    {"qualification__category": "dangerous_goods"},  # a rule that does not hold
    {"applicant__id_valid_until": None},  # the card's end date missing: the rule cannot decide
])
def test_an_application_the_rules_cannot_approve_goes_to_a_person(
        tmp_path: Path, central: Central, signer: ec.EllipticCurvePrivateKey, changed: dict[str, Any],
        caplog: pytest.LogCaptureFixture) -> None:
    application, content = submitted(tmp_path, instant_answers(**changed))
    with caplog.at_level("INFO"):
        assert arrive(central, signer, application, content) == "stored"
    assert central.stored() == [str(application.id)]
    assert rows(central.ingest.engine, application_status) == []  # received: a person decides, nothing refused
    assert rows(central.ingest.engine, fleet_commands) == []
    assert central.ingest.metrics.instant.labels("person")._value.get() == 1
    said = " ".join(record.getMessage() for record in caplog.records)
    assert "JT-002 to a person" in said
    assert "dangerous" not in said  # the rule's position, never the answers
    assert "1990" not in said


def test_an_ordinary_item_is_not_decided(
        tmp_path: Path, central: Central, signer: ec.EllipticCurvePrivateKey) -> None:
    store = open_test_store(tmp_path / "terminal")
    application = submit(store)
    content = store.application_content(str(application.id))
    store.close()
    assert arrive(central, signer, application, content) == "stored"
    assert rows(central.ingest.engine, application_status) == []
    assert central.ingest.metrics.instant.labels("person")._value.get() == 0


def test_the_application_is_not_stored_without_its_decision(
        tmp_path: Path, central: Central, signer: ec.EllipticCurvePrivateKey) -> None:
    application, content = submitted(tmp_path, instant_answers())
    with central.ingest.engine.begin() as conn:  # a status row already holds the number: the approval cannot be stored
        conn.execute(insert(application_status).values(application="other", terminal="LC0001",
                                                       number=application.number, state="received",
                                                       changed_at="2026-12-01T00:00:00+00:00", changed_by="x"))
    assert arrive(central, signer, application, content) == "rejected"  # the terminal resends or a clerk looks
    assert central.stored() == []  # one transaction: neither the application nor half a decision
    assert rows(central.ingest.engine, fleet_commands) == []
