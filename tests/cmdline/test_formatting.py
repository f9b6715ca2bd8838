"""One time convention and correct plurals in operator output (#23 defect 12)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmdline.formatting import plural, when
from main import cli


@pytest.fixture
def shanghai() -> Iterator[None]:
    """Run in China Standard Time, as a hall's server does."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("shanghai")
@pytest.mark.parametrize("value", [
    "2026-12-03T07:20:13.069506+00:00",
    datetime(2026, 12, 3, 7, 20, 13, tzinfo=UTC),
    datetime(2026, 12, 3, 16, 20, 13, tzinfo=timezone(timedelta(hours=9))),
    "2026-12-03T07:20:13",  # central stores UTC
])
def test_every_time_is_local_with_its_offset(value: datetime | str) -> None:
    assert when(value) == "2026-12-03 15:20:13 +08:00"


def test_what_is_not_a_time_is_shown_as_it_is() -> None:
    assert (when(None), when(""), when("never")) == ("", "", "never")


@pytest.mark.parametrize(("count", "said"), [(0, "0 applications"), (1, "1 application"), (2, "2 applications")])
def test_plurals(count: int, said: str) -> None:
    assert plural(count, "application") == said


def test_an_irregular_plural() -> None:
    assert (plural(1, "entry", "entries"), plural(3, "entry", "entries")) == ("1 entry", "3 entries")


@pytest.mark.usefixtures("shanghai")
def test_central_tables_use_the_convention(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/central.db"
    assert CliRunner().invoke(cli, ["central", "db", "upgrade", "--db", db]).exit_code == 0
    with sqlite3.connect(tmp_path / "central.db") as conn:
        conn.execute("INSERT INTO terminals (id, certificate, hall, registered_at, first_seen) "
                     "VALUES ('LC0001', 'pem', 'lc-center', '2026-12-03T07:00:00+00:00', '2026-12-03T07:20:13+00:00')")
    listed = CliRunner().invoke(cli, ["central", "terminals", "list", "--db", db])
    assert "LC0001  lc-center  2026-12-03 15:20:13 +08:00" in listed.output
