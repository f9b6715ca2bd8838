"""Migrations: the models match the migrated schema, and data from every revision survives upgrading."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from kiosk.store import database as db
from kiosk.store import outbox
from kiosk.store.keys import KeyFileProvider
from kiosk.store.models import Base
from kiosk.store.opening import open_store
from kiosk.store.rotation import rotate
from tests.common import ROOT
from tests.kiosk.store.legacy import fill_0001, fill_0007

SCRIPTS = ScriptDirectory.from_config(db._alembic_for_scripts())
REVISIONS = [r.revision for r in reversed(list(SCRIPTS.walk_revisions()))]


# Every revision but the newest needs a filler: a new migration makes this test ask for one.
# Revisions 0002 to 0005 only added tables: an application written at any of them is written as at 0001.
FILLERS: dict[str, Callable[[Path, bytes], str]] = {"0001": fill_0001, "0002": fill_0001, "0003": fill_0001,
                                                    "0004": fill_0001, "0005": fill_0001, "0007": fill_0007,
                                                    "0010": fill_0007, "0011": fill_0007}


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


def test_the_application_keys_move_into_their_rows_and_back(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    provider = KeyFileProvider(tmp_path / "store.key")
    kek = provider.create()
    engine = db.make_engine(path)
    db.migrate(engine, "0005")
    rid = fill_0001(path, kek)
    with sqlite3.connect(path) as raw:
        before = raw.execute("SELECT wrapped FROM data_keys WHERE record_id = ?", (rid,)).fetchone()[0]
    db.migrate(engine, "0007")
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT wrapped_key FROM applications WHERE id = ?", (rid,)).fetchone()[0] == before
        assert raw.execute("SELECT count(*) FROM data_keys").fetchone()[0] == 0
    store = open_store(path, provider)
    rotate(store, KeyFileProvider(tmp_path / "new.key"))  # the moved key is rewrapped with the rest
    assert store.application_content(rid)["values"]["applicant.name"] == "旧版本"
    store.close()
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        command.downgrade(db._alembic(conn), "0005")
        conn.exec_driver_sql("COMMIT")
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT record_id FROM data_keys").fetchall() == [(rid,)]
        assert "wrapped_key" not in {r[1] for r in raw.execute("PRAGMA table_info(applications)")}


def test_the_cheap_head_is_alembics_head_and_an_up_to_date_store_opens_without_alembic(tmp_path: Path) -> None:
    assert db.newest_revision() == db.head_revision() == REVISIONS[-1]
    open_store(tmp_path / "store.db", KeyFileProvider(tmp_path / "store.key")).close()  # created: migrated
    probe = (
        "import sys; from pathlib import Path; from kiosk.store.keys import KeyFileProvider; "
        "from kiosk.store.opening import open_store; "
        f"open_store(Path({str(tmp_path / 'store.db')!r}), KeyFileProvider(Path({str(tmp_path / 'store.key')!r})))"
        ".close(); print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "[]"
