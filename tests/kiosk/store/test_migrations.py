"""Migrations: the models match the migrated schema, and data from every revision survives upgrading."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from kiosk.store import database as db
from kiosk.store import outbox
from kiosk.store.crypto import bind, key_id, new_key, seal
from kiosk.store.keys import KeyFileProvider
from kiosk.store.models import Base
from kiosk.store.opening import open_store

SCRIPTS = ScriptDirectory.from_config(db._alembic_for_scripts())
REVISIONS = [r.revision for r in reversed(list(SCRIPTS.walk_revisions()))]


def fill_0001(path: Path, kek: bytes) -> str:
    """Write one application the way revision 0001's code wrote it; return its id."""
    rid, key = str(uuid.uuid4()), new_key()
    content = json.dumps({"number": "LC0001-261101-0001X", "values": {"applicant.name": "旧版本"}}).encode()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO meta VALUES ('kek_id', ?)", (key_id(kek),))
    conn.execute("INSERT INTO counters VALUES ('seq', 1)")
    conn.execute("INSERT INTO daily_numbers VALUES ('2026-11-01', 1)")
    conn.execute("INSERT INTO data_keys VALUES (?, ?, ?, '2026-11-01T00:00:00+00:00')",
                 (rid, key_id(kek), seal(kek, key, bind("data_keys", rid, "wrapped"))))
    conn.execute(
        "INSERT INTO applications VALUES (?, 1, 'LC0001-261101-0001X', 'SB-001', 'item', '2026.10.1', 'sha256:x', "
        "'submitted', '2026-11-01T00:00:00+00:00', 'boot', ?, NULL)",
        (rid, seal(key, content, bind("applications", rid, "content"))),
    )
    conn.execute("INSERT INTO receipts VALUES (?, NULL, 0)", (rid,))
    conn.execute("INSERT INTO outbox VALUES (1, ?, 'application', 'pending', 0, NULL, NULL, NULL, "
                 "'2026-11-01T00:00:00+00:00', 'boot')", (rid,))
    conn.commit()
    conn.close()
    return rid


# Every revision but the newest needs a filler: a new migration makes this test ask for one.
# Revision 0002 only added tables: an application written at 0002 is written as at 0001.
FILLERS: dict[str, Callable[[Path, bytes], str]] = {"0001": fill_0001, "0002": fill_0001}


def test_every_earlier_revision_has_a_filler() -> None:
    assert set(FILLERS) == set(REVISIONS[:-1])


def test_the_models_match_the_migrations(tmp_path: Path) -> None:
    engine = db.make_engine(tmp_path / "s.db")
    db.migrate(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_data_from_an_earlier_revision_survives_the_upgrade(tmp_path: Path, revision: str) -> None:
    path = tmp_path / "store.db"
    provider = KeyFileProvider(tmp_path / "store.key")
    kek = provider.create()
    db.migrate(db.make_engine(path), revision)
    rid = FILLERS[revision](path, kek)
    store = open_store(path, provider)
    assert db.current_revision(store.engine) == REVISIONS[-1]
    assert store.application_content(rid)["values"]["applicant.name"] == "旧版本"
    assert [e.record_id for e in outbox.pending(store)] == [rid]
    store.close()
