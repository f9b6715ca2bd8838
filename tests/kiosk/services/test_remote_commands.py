"""Central's commands run on the kiosk only between sessions; what they leave in force survives a restart."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.data import SAMPLE_CATALOG
from drivers.cardreader.factory import open_card_reader
from drivers.printer.factory import open_printer
from drivers.status import PaperState
from kiosk.config import UiSection
from kiosk.services.availability import MAINTENANCE
from kiosk.services.catalogs import CatalogSource
from kiosk.services.terminal import Kiosk
from kiosk.store.releases import ReleaseStore
from kiosk.store.store import Store
from tests.kiosk.commands_kit import deliver, state
from tests.kiosk.services.test_catalog_switch import stage
from tests.kiosk.store.helpers import open_test_store
from tests.protocol.release_kit import Publisher, changed_catalog


@dataclass
class Terminal:
    """A kiosk on simulated devices, its releases and the way commands reach its store."""

    tmp: Path
    store: Store
    releases: ReleaseStore
    kiosk: Kiosk

    def deliver(self, kind: str, urgent: bool = False, **args: str) -> str:
        """Keep a signed command as the sync agent does after verifying it; return its id."""
        return deliver(self.store, kind, urgent=urgent, **args)

    def state(self, command_id: str) -> tuple[str, str]:
        """Return a command's state and detail."""
        return state(self.store, command_id)

    def restart(self) -> Kiosk:
        """Build the kiosk again on the same store (as after a restart)."""
        self.kiosk.printer.close()
        self.kiosk = _kiosk(self.store, self.releases)
        return self.kiosk


def _kiosk(store: Store, releases: ReleaseStore) -> Kiosk:
    """A kiosk for LC0001 on the simulators, serving signed releases."""
    source = CatalogSource(releases, SAMPLE_CATALOG)
    catalog = source.load()
    return Kiosk(catalog, catalog.hall("lc-center"), "LC0001", store, open_card_reader("sim://"),
                 open_printer("sim://"), UiSection(), lambda: datetime.now(UTC), catalogs=source)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    store, releases = open_test_store(tmp_path / "terminal"), ReleaseStore(tmp_path / "releases")
    running = Terminal(tmp_path, store, releases, _kiosk(store, releases))
    yield running
    running.kiosk.printer.close()
    running.kiosk.printer.emulator.stop()  # type: ignore[attr-defined]
    store.close()


def test_maintenance_waits_for_the_session_then_stops_new_applications_and_survives_a_restart(
        terminal: Terminal) -> None:
    session = terminal.kiosk.start_session(next(iter(terminal.kiosk.catalog.items)))
    on = terminal.deliver("maintenance_on")
    assert terminal.state(on)[0] == "delivered"  # the citizen's session is not interrupted
    assert session.offering.code
    terminal.kiosk.between_sessions()
    assert terminal.state(on) == ("succeeded", "in maintenance: no new applications")
    assert MAINTENANCE in terminal.kiosk.devices.availability().reasons
    assert MAINTENANCE in terminal.restart().devices.availability().reasons
    off = terminal.deliver("maintenance_off")
    terminal.kiosk.between_sessions()
    assert terminal.state(off)[0] == "succeeded"
    assert MAINTENANCE not in terminal.kiosk.devices.availability().reasons


def test_a_notice_shows_until_its_end_and_a_newer_one_replaces_it(terminal: Terminal) -> None:
    terminal.deliver("notice", zh="本厅今日 17:00 闭厅", en="This hall closes at 17:00 today")
    terminal.kiosk.between_sessions()
    shown = terminal.kiosk.notice()
    assert shown is not None
    assert (shown.zh, shown.en) == ("本厅今日 17:00 闭厅", "This hall closes at 17:00 today")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    terminal.deliver("notice", zh="旧通知", until=past)
    terminal.kiosk.between_sessions()
    assert terminal.kiosk.notice() is None


def test_catalog_commands_switch_between_sessions_and_a_rollback_with_nothing_to_undo_fails(
        terminal: Terminal) -> None:
    stage(terminal.releases, Publisher(), changed_catalog(terminal.tmp))
    nothing = terminal.deliver("catalog_rollback")  # before the release is served: nothing to roll back
    reload = terminal.deliver("catalog_reload")
    assert terminal.kiosk.between_sessions()
    assert terminal.state(nothing)[0] == "failed"
    assert "no release is active" in terminal.state(nothing)[1]
    assert terminal.state(reload) == ("succeeded", "serving catalog 2026.12-b")
    back = terminal.deliver("catalog_rollback")
    assert terminal.kiosk.between_sessions()
    assert terminal.state(back)[0] == "succeeded"
    assert terminal.kiosk.catalog.version != "2026.12-b"


def test_a_test_page_prints_and_one_without_paper_fails_with_the_reason(terminal: Terminal) -> None:
    printed = terminal.deliver("test_page")
    terminal.kiosk.between_sessions()
    assert terminal.state(printed) == ("succeeded", "test page printed")
    emulator = terminal.kiosk.printer.emulator  # type: ignore[attr-defined]
    assert any("打印测试页" in text for job in emulator.jobs for text in job.texts)
    emulator.state.paper = PaperState.OUT
    failed = terminal.deliver("test_page")
    terminal.kiosk.between_sessions()
    assert terminal.state(failed)[0] == "failed"
    assert "not ready (paper_out); nothing was printed" in terminal.state(failed)[1]


def test_a_restart_is_asked_of_the_ui_and_succeeds_once_the_kiosk_is_back(terminal: Terminal) -> None:
    restart = terminal.deliver("restart_kiosk", urgent=True)
    assert terminal.kiosk.urgent_waiting()  # the UI ends the session after the current screen
    terminal.kiosk.between_sessions()
    assert terminal.kiosk.restart_requested
    assert terminal.state(restart)[0] == "running"
    assert not terminal.kiosk.urgent_waiting()
    terminal.restart()
    assert terminal.state(restart) == ("succeeded", "the kiosk restarted")


def test_an_agent_kind_is_left_to_the_agent(terminal: Terminal) -> None:
    diagnostics = terminal.deliver("diagnostics")
    terminal.kiosk.between_sessions()
    assert terminal.state(diagnostics)[0] == "delivered"
