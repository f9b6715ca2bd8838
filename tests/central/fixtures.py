"""Fixtures shared by the uplink, provisioning and fleet tests: a private mosquitto, central's database (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from central.platform.database import make_engine
from demo.devstack import Mosquitto, ScratchPki, postgres_schema
from tests.postgres import postgres_url


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    server = Mosquitto(tmp_path / "broker", ScratchPki(tmp_path / "pki"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Central's database URL: an SQLite file, or a private schema in PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/central.db"
        return
    with postgres_schema(postgres_url()) as url:
        yield url


@pytest.fixture
def central_db(central_url: str) -> Iterator[Engine]:
    engine = make_engine(central_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path}/central.db")
