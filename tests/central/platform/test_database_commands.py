"""Central's database is created and migrated only when asked (`central db upgrade`, a serving command);
read-only commands refuse a missing or out-of-date one by name, exit 2; backup and restore (#23 defects 9, 10)."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from central.platform.database import head_revision, make_engine, migrate
from main import cli
from tests.postgres import postgres_url


def run(*args: str) -> Result:
    """Run `yichuang ARGS` in this process."""
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("command", [["central", "apps", "list"], ["fleet", "status"], ["central", "terminals", "list"],
                                     ["provision", "status", "LC0001"], ["central", "db", "backup", "/nonexistent/b"]])
def test_a_read_only_command_never_creates_a_database(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo" / "centrl.db"
    result = run(*command, "--db", f"sqlite:///{missing}")
    assert result.exit_code == 2, result.output
    assert f"no central database at {missing}" in result.output
    assert "internal error" not in result.output
    assert not missing.parent.exists()


def test_an_out_of_date_database_says_to_upgrade_and_upgrade_does(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/central.db"
    migrate(make_engine(url, upgrade=False), "0007")
    stale = run("central", "apps", "list", "--db", url)
    assert stale.exit_code == 2, stale.output
    assert "is at schema 0007" in stale.output
    assert "yichuang central db upgrade" in stale.output
    upgraded = run("central", "db", "upgrade", "--db", url)
    assert upgraded.exit_code == 0, upgraded.output
    assert f"is at schema {head_revision()}" in upgraded.output
    assert run("central", "apps", "list", "--db", url).exit_code == 0


def test_upgrade_creates_a_new_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new/central.db"
    assert run("central", "db", "upgrade", "--db", url).exit_code == 0
    listed = run("central", "terminals", "list", "--db", url)
    assert (listed.exit_code, listed.output.strip()) == (0, "(none)")


def test_an_unreachable_postgresql_is_exit_2_without_the_password() -> None:
    result = run("central", "apps", "list", "--db", "postgresql+psycopg://ops:s3cret@127.0.0.1:1/central")
    assert result.exit_code == 2, result.output
    assert "cannot open central's database postgresql+psycopg://ops:***@127.0.0.1:1/central" in result.output
    assert "s3cret" not in result.output


def _writer(path: Path, stop: threading.Event) -> None:
    """Append numbered rows, one transaction each, until told to stop."""
    conn = sqlite3.connect(path, timeout=15)
    n = 0
    while not stop.is_set():
        n += 1
        with conn:
            conn.execute("INSERT INTO scratch (n, pad) VALUES (?, ?)", (n, "x" * 2000))
    conn.close()


def test_a_backup_taken_while_writing_is_consistent_and_restores(tmp_path: Path) -> None:
    db = tmp_path / "central.db"
    url = f"sqlite:///{db}"
    assert run("central", "db", "upgrade", "--db", url).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE scratch (n INTEGER PRIMARY KEY, pad TEXT)")
    stop = threading.Event()
    writer = threading.Thread(target=_writer, args=(db, stop))
    writer.start()
    try:
        backed = run("central", "db", "backup", str(tmp_path / "b.db"), "--db", url)
    finally:
        stop.set()
        writer.join()
    assert backed.exit_code == 0, backed.output
    copy = sqlite3.connect(tmp_path / "b.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    count, top = copy.execute("SELECT count(*), coalesce(max(n), 0) FROM scratch").fetchone()
    copy.close()
    assert count == top  # a prefix of the committed rows, never a torn one
    restored = run("central", "db", "restore", str(tmp_path / "b.db"), "--yes", "--db", url)
    assert restored.exit_code == 0, restored.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM scratch").fetchone()[0] == count


def test_a_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/central.db"
    run("central", "db", "upgrade", "--db", url)
    (tmp_path / "b.db").write_text("keep me")
    result = run("central", "db", "backup", str(tmp_path / "b.db"), "--db", url)
    assert result.exit_code == 2
    assert (tmp_path / "b.db").read_text() == "keep me"


@pytest.fixture
def two_postgres_databases() -> Iterator[tuple[str, str]]:
    """Two fresh databases on the tests' PostgreSQL: one backed up, one restored into."""
    server = postgres_url()
    names = [f"yc_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f"CREATE DATABASE {name}"))
    base = server.rsplit("/", 1)[0]
    yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_postgresql_backup_and_restore_with_pg_dump(tmp_path: Path, two_postgres_databases: tuple[str, str]) -> None:
    source, target = two_postgres_databases
    assert run("central", "db", "upgrade", "--db", source).exit_code == 0
    engine = make_engine(source, upgrade=False)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO terminals (id, certificate, hall, registered_at) "
                          "VALUES ('LC0001', 'pem', 'lc-center', '2026-01-01T00:00:00+00:00')"))
    engine.dispose()
    backed = run("central", "db", "backup", str(tmp_path / "central.dump"), "--db", source)
    assert backed.exit_code == 0, backed.output
    restored = run("central", "db", "restore", str(tmp_path / "central.dump"), "--yes", "--db", target)
    assert restored.exit_code == 0, restored.output
    listed = run("central", "terminals", "list", "--db", target)
    assert "LC0001" in listed.output
