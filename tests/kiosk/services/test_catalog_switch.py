"""The kiosk serves a new release only between sessions; a session keeps the catalog it began with."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.data import SAMPLE_CATALOG
from drivers.cardreader.factory import open_card_reader
from drivers.printer.factory import open_printer
from kiosk.config import UiSection
from kiosk.services.catalogs import CatalogSource
from kiosk.services.terminal import Kiosk
from kiosk.store.releases import ReleaseStore
from tests.kiosk.store.helpers import open_test_store
from tests.protocol.release_kit import Publisher, changed_catalog


def stage(releases: ReleaseStore, publisher: Publisher, source: Path) -> str:
    """Stage a release of ``source`` as the sync agent would; return its name."""
    payload, _, chunks = publisher.release(source)
    for chunk in chunks.values():
        releases.put_chunk(chunk)
    return releases.stage(payload, publisher.key.public_key()).name()


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[Kiosk, ReleaseStore, Publisher]]:
    releases, publisher = ReleaseStore(tmp_path / "releases"), Publisher()
    source = CatalogSource(releases, SAMPLE_CATALOG)
    catalog = source.load()
    store = open_test_store(tmp_path / "terminal")
    printer = open_printer("sim://")
    built = Kiosk(catalog, catalog.hall("lc-center"), "LC0001", store, open_card_reader("sim://"), printer,
                  UiSection(), lambda: datetime.now(UTC), catalogs=source)
    yield built, releases, publisher
    printer.close()
    printer.emulator.stop()  # type: ignore[attr-defined]
    store.close()


def test_a_release_staged_mid_session_is_served_after_it_and_the_session_keeps_its_catalog(
        kiosk: tuple[Kiosk, ReleaseStore, Publisher], tmp_path: Path) -> None:
    built, releases, publisher = kiosk
    code = next(iter(built.catalog.items))
    session = built.start_session(code)
    before = built.catalog
    name = stage(releases, publisher, changed_catalog(tmp_path))
    assert built.catalog is before  # nothing changes while the citizen fills the form
    assert session.offering.code == code
    assert built.between_sessions()  # the session ended
    assert built.catalog.version == "2026.12-b"
    assert releases.state().current == name
    assert built.store.events("catalog_switched")[0]["detail"]["version"] == "2026.12-b"
    assert not built.between_sessions()  # nothing new


def test_a_rollback_by_the_technician_is_served_after_the_session(
        kiosk: tuple[Kiosk, ReleaseStore, Publisher], tmp_path: Path) -> None:
    built, releases, publisher = kiosk
    installed = built.catalog.version
    stage(releases, publisher, changed_catalog(tmp_path))
    assert built.between_sessions()
    releases.rollback()
    assert built.between_sessions()
    assert built.catalog.version == installed


def test_a_release_without_this_terminals_hall_is_rolled_back_and_reported(
        kiosk: tuple[Kiosk, ReleaseStore, Publisher], tmp_path: Path) -> None:
    built, releases, publisher = kiosk
    source = changed_catalog(tmp_path)
    halls = source / "halls.toml"
    halls.write_text(halls.read_text("utf-8").replace('id = "lc-center"', 'id = "lc-centre"'), "utf-8")
    stage(releases, publisher, source)
    assert not built.between_sessions()
    assert built.catalog.version != "2026.12-b"
    assert releases.state().current is None
    assert built.store.events("catalog_switch_failed")[0]["detail"]["error"] == "UnknownHall"
