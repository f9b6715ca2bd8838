"""Protocol v1 and v2 terminals drain side by side into one central through a real broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from central.platform import queries
from central.platform.schema import messages, proofs
from demo.devstack import Mosquitto
from domain.application import Application, Draft
from kiosk.services.submit import submit_application
from kiosk.store.store import Store
from protocol import uplink_v2
from tests.kiosk.store.helpers import CATALOG, HALL, OFFERING, answers, open_test_store
from tests.sync.stack import Central


def submit_as(store: Store, terminal: str, index: int) -> Application:
    """Submit one SB-001 application at ``terminal`` (its receipt number names it)."""
    return submit_application(store, catalog=CATALOG, hall=HALL, terminal_id=terminal,
                              draft=Draft(OFFERING, answers(index)), now=datetime.now(UTC))[0]


def test_v1_and_v2_terminals_drain_together_each_application_once(
        broker: Mosquitto, tmp_path: Path, central_db: Engine) -> None:
    central = Central(tmp_path, central_db)
    stores = {cn: open_test_store(tmp_path / cn) for cn in ("LC0001", "LC0002")}
    agents = {"LC0001": central.agent(broker, stores["LC0001"], "LC0001", protocol=1),
              "LC0002": central.agent(broker, stores["LC0002"], "LC0002", protocol=2)}
    submitted = {cn: {str(submit_as(store, cn, i).id) for i in range(120)} for cn, store in stores.items()}
    central.start_worker(broker)
    for agent in agents.values():
        agent.start()
    for agent in agents.values():
        assert agent.run_until_drained(120)
    assert sorted(central.stored()) == sorted(submitted["LC0001"] | submitted["LC0002"])
    with central_db.connect() as conn:
        rows = {r.id: r for r in conn.execute(
            select(messages.c.id, messages.c.terminal, messages.c.envelope, messages.c.proof_digest, proofs.c.proof)
            .select_from(messages.outerjoin(proofs, proofs.c.digest == messages.c.proof_digest)))}
        stored_proofs = conn.execute(select(func.count()).select_from(proofs)).scalar_one()
    assert all(rows[i].proof_digest is None and rows[i].envelope.startswith(b"{") for i in submitted["LC0001"])
    assert all(rows[i].proof.startswith(uplink_v2.PROOF_MAGIC) for i in submitted["LC0002"])
    assert stored_proofs == len({rows[i].proof_digest for i in submitted["LC0002"]}) < len(submitted["LC0002"])
    assert all(rows[i].envelope.startswith(uplink_v2.ENVELOPE_MAGIC) for i in submitted["LC0002"])
    for cn, ids in submitted.items():  # every stored application opens on its own, whichever protocol carried it
        for record in sorted(ids)[:20]:
            opened = json.loads(queries.content(central_db, central.keys, record) or b"")
            assert opened == stores[cn].application_content(record)
    for agent in agents.values():
        agent.stop()
    central.stop()
    for store in stores.values():
        store.close()

