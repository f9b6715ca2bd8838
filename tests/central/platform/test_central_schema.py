"""Central's schema: the migrations build exactly the tables the code declares, and keep the data, on both databases."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from central.platform import queries
from central.platform.database import make_engine, migrate
from central.platform.keys import generate
from central.platform.registry import Registry
from central.platform.schema import messages, metadata, proofs
from demo.devstack import ScratchPki
from protocol import uplink_v2
from protocol.envelope import Header, seal


def test_the_schema_matches_the_migrations(central_db: Engine) -> None:
    with central_db.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": "central_alembic_version"})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == "0030"


def test_processes_starting_together_migrate_once(central_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            make_engine(central_url).dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    engine = make_engine(central_url)
    assert {"terminals", "messages", "rejected"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_proofs_stored_with_each_row_move_to_one_row_per_bundle(tmp_path: Path, central_url: str) -> None:
    engine = make_engine(central_url, upgrade=False)
    migrate(engine, "0029")  # rows as the previous release stored them: each with its bundle's whole proof
    keys = generate(tmp_path / "central-keys")
    cert, _, signer = ScratchPki(tmp_path / "pki").issue("LC0001")
    Registry(engine).add("LC0001", cert.read_bytes())
    rows: list[dict[str, Any]] = []
    bundles: list[bytes] = []
    for first in range(0, 1205, 50):  # more rows than the migration rewrites at a time
        headers = [Header("LC0001", seq, str(uuid.uuid4()), "rating", "2026-11-22T07:00:00+00:00", "boot", v=2)
                   for seq in range(first + 1, min(first + 51, 1206))]
        envelopes = [uplink_v2.seal(h, f'{{"seq": {h.seq}}}'.encode(), keys.uplink.public_key()) for h in headers]
        bundles.append(uplink_v2.unpack(uplink_v2.pack(envelopes, signer)).proof())
        pairs = zip(headers, envelopes, strict=True)
        rows += [{"id": h.id, "seq": h.seq, "envelope": e, "proof": bundles[-1]} for h, e in pairs]
    v1 = Header("LC0001", 1206, str(uuid.uuid4()), "rating", "2026-11-22T07:00:00+00:00", "boot")
    rows.append({"id": v1.id, "seq": v1.seq, "envelope": seal(v1, b'{"seq": 1206}', keys.uplink.public_key(), signer),
                 "proof": None})
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO messages (id, terminal, seq, kind, created, received_at, envelope, proof) "
                          "VALUES (:id, 'LC0001', :seq, 'rating', 'then', 'then', :envelope, :proof)"), rows)
    migrate(engine)
    with engine.connect() as conn:
        named = {r.id: r.proof_digest for r in conn.execute(select(messages.c.id, messages.c.proof_digest))}
        moved = {r.digest: r.proof for r in conn.execute(select(proofs.c.digest, proofs.c.proof))}
    assert moved == {hashlib.sha256(proof).digest(): proof for proof in bundles}
    assert named == {r["id"]: r["proof"] and hashlib.sha256(r["proof"]).digest() for r in rows}
    for row in rows[::97] + rows[-2:]:  # each stored row still opens on its own, v2 with its proof, v1 with its own
        assert json.loads(queries.content(engine, keys, row["id"]) or b"") == {"seq": row["seq"]}
    engine.dispose()
