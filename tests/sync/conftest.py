"""Fixtures of the uplink tests: a private mosquitto, central's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from central.devstack import Mosquitto, ScratchPki
from central.platform.database import make_engine
from tests.postgres import postgres_url


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    server = Mosquitto(tmp_path / "broker", ScratchPki(tmp_path / "pki"))
    server.start()
    yield server
    server.stop()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL schema, dropped afterwards."""
    url, schema = postgres_url(), f"yc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Central's database URL: an SQLite file, or a private schema in PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/central.db"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def central_db(central_url: str) -> Iterator[Engine]:
    engine = make_engine(central_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path}/central.db")
