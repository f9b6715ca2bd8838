"""`central db upgrade|status|backup`, and ops commands that never create or migrate central's database (#23 defect 10).

Run as an operator runs them (subprocesses), on SQLite files and on the private PostgreSQL; the
backups are restored the way docs/databases.md says and compared with what was written.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from central.platform.database import head, make_engine
from central.platform.schema import terminals
from tests.common import ROOT
from tests.postgres import postgres_url

CERT_FREE = ("fleet", "status")  # a read-only command that needs no terminal certificate


def yichuang(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)


def test_a_mistyped_sqlite_path_is_named_and_no_database_is_made(tmp_path: Path) -> None:
    typo = tmp_path / "centarl.db"
    for command in (CERT_FREE, ("central", "terminals", "list"), ("fleet", "commands")):
        done = yichuang(*command, "--db", f"sqlite:///{typo}")
        assert done.returncode == 2, done.stderr
        assert f"no central database at {typo}" in done.stderr
        assert "central db upgrade" in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing created, not even the folder's lock file


def test_upgrade_creates_the_schema_once_and_reports_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new/central.db"
    for _ in range(2):  # safe to repeat
        done = yichuang("central", "db", "upgrade", "--db", url)
        assert done.returncode == 0, done.stderr
        assert f"is at schema {head()} (this release's: {head()})" in done.stdout
    assert yichuang("central", "db", "status", "--db", url).returncode == 0
    assert yichuang(*CERT_FREE, "--db", url).returncode == 0


def test_an_older_schema_is_refused_until_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/central.db"
    engine = make_engine(url)
    with engine.begin() as conn:  # as a database left by the previous release would be
        conn.execute(text("UPDATE central_alembic_version SET version_num = '0008'"))
    engine.dispose()
    done = yichuang(*CERT_FREE, "--db", url)
    assert done.returncode == 2
    assert f"is at schema 0008, this release needs {head()}: back it up, then run" in done.stderr
    assert yichuang("central", "db", "status", "--db", url).returncode == 2


def _register(url: str, count: int) -> None:
    """Write some rows (terminals without certificates checked: straight into the table)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(terminals.insert(), [{"id": f"LC{n:04d}", "certificate": "-", "registered_at": "2026-12-03"}
                                          for n in range(count)])
    engine.dispose()


def test_a_sqlite_backup_is_consistent_and_restores_by_copying(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/central.db"
    _register(url, 25)
    writer = sqlite3.connect(tmp_path / "central.db")  # a service holding the database open, mid-transaction
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO terminals (id, certificate, registered_at) VALUES ('LC9999', '-', 'x')")
    done = yichuang("central", "db", "backup", str(tmp_path / "backups" / "central-1.db"), "--db", url)
    writer.rollback()
    writer.close()
    assert done.returncode == 0, done.stderr
    assert "backed up sqlite:///" in done.stdout
    again = yichuang("central", "db", "backup", str(tmp_path / "backups" / "central-1.db"), "--db", url)
    assert again.returncode == 2
    assert "exists: give a new file" in again.stderr
    restored = tmp_path / "restored" / "central.db"  # docs/databases.md: stop the services, copy the file back
    restored.parent.mkdir()
    shutil.copy(tmp_path / "backups" / "central-1.db", restored)
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM terminals").fetchone() == (25,)  # the open transaction is not in it
    assert yichuang(*CERT_FREE, "--db", f"sqlite:///{restored}").returncode == 0


@contextmanager
def _database(server: str) -> Iterator[str]:
    """A database of its own on the test PostgreSQL (a dump covers a whole database), dropped afterwards."""
    name = f"yc_backup_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


def test_a_postgresql_backup_restores_with_pg_restore(tmp_path: Path) -> None:
    with _database(postgres_url()) as url:
        _register(url, 12)
        dump = tmp_path / "central.dump"
        done = yichuang("central", "db", "backup", str(dump), "--db", url)
        assert done.returncode == 0, done.stderr
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(terminals.delete())  # the disaster
        plain = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        restore = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={plain}",
                                  str(dump)], capture_output=True, text=True, check=False)
        assert restore.returncode == 0, restore.stderr
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(terminals)).scalar_one() == 12
        engine.dispose()
