"""`yichuang kiosk demo`: the kiosk window with simulated devices and, beside it, the panel that drives them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kiosk.cli.context import TerminalContext, pass_terminal
from kiosk.cli.kiosk_cmd import need_display

if TYPE_CHECKING:
    from demo.kiosk_panel import DemoKioskApp
    from kiosk.config import UiSection
    from kiosk.store.store import Store

PANEL_SHARE = 0.5  # the demo panel's width, as a share of the kiosk's


@click.command("demo")
@click.option("--data", type=click.Path(path_type=Path, file_okay=False), default=Path("var/demo-kiosk"),
              show_default=True, help="The demo terminal's store, key and receipt pictures.")
@pass_terminal
def kiosk_demo(app: TerminalContext, data: Path) -> None:
    """Open the kiosk with a virtual card tray and the printer emulator's receipt beside it."""
    need_display()
    from kiosk.store.keys import KeyFileProvider
    from kiosk.store.opening import open_store
    from kiosk.ui.display import fit, screen_size
    from kiosk.ui.launch import prepare_window, run_app

    config = app.config
    panel = config.ui.width_px, config.ui.height_px
    width, height = fit(panel, screen_size() or (1920, 1080), beside=PANEL_SHARE)  # the panel's aspect, smaller
    settings = config.ui.model_copy(update={  # same millimetres on a smaller "panel": the layout of the real one
        "fullscreen": False, "width_px": width, "height_px": height,
        "panel_inches": config.ui.panel_inches * height / panel[1]})
    prepare_window(settings, width_px=width + round(width * PANEL_SHARE))  # the demo panel at its right
    from demo.kiosk_panel import DemoKioskApp  # noqa: F401 - Kivy's window opens on import, sized as prepared

    data.mkdir(parents=True, exist_ok=True)
    store = open_store(data / "store.db", KeyFileProvider(data / "store.key"))
    try:
        demo_app = _demo_app(app, settings, store, data)
        run_app(demo_app)
    finally:
        store.close()


def _demo_app(app: TerminalContext, settings: UiSection, store: Store, data: Path) -> DemoKioskApp:
    """Build the demo kiosk on the simulated devices, serving the demo's signed releases, with its panel."""
    from demo.kiosk_panel import DemoKioskApp
    from demo.release_demo import DemoCentral
    from domain.data import SAMPLE_CATALOG
    from drivers.cardreader.factory import SimulatedReader, open_card_reader
    from drivers.printer.factory import SimulatedPrinter, open_printer
    from drivers.printer.job import TextMode
    from kiosk.services.catalogs import CatalogSource
    from kiosk.services.terminal import open_kiosk
    from kiosk.store.releases import ReleaseStore

    config = app.config
    reader = open_card_reader("sim://")
    printer = open_printer("sim://", TextMode(config.printer.text_mode), config.printer.paper_mm,
                           config.printer.charset)
    if not (isinstance(reader, SimulatedReader) and isinstance(printer, SimulatedPrinter)):
        raise TypeError("sim:// gave a device that is not simulated")
    reader.open()
    installed = config.catalog.path or SAMPLE_CATALOG
    source = CatalogSource(ReleaseStore(data / "releases"), installed)
    kiosk = open_kiosk(config, source.load(), store, app.now, reader=reader, printer=printer, settings=settings,
                       catalogs=source)
    central = DemoCentral(data / "central", installed, source.releases, config.terminal.hall)
    return DemoKioskApp(kiosk, reader, printer, data / "receipts", central, lang=config.terminal.lang)
