"""Central's schema: the migrations build exactly the tables the code declares, on both databases."""

from __future__ import annotations

import threading

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from central.platform.database import make_engine
from central.platform.schema import metadata


def test_the_schema_matches_the_migrations(central_db: Engine) -> None:
    with central_db.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": "central_alembic_version"})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == "0029"


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
