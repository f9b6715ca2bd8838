"""`yichuang kiosk demo`: the kiosk window with simulated devices and, beside it, the panel that drives them."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk.cli.context import TerminalContext, pass_terminal
from kiosk.cli.kiosk_cmd import need_display

PANEL_SHARE = 0.5  # the demo panel's width, as a share of the kiosk's


@click.command("demo")
@click.option("--data", type=click.Path(path_type=Path, file_okay=False), default=Path("var/demo-kiosk"),
              show_default=True, help="The demo terminal's store, key and receipt pictures.")
@pass_terminal
def kiosk_demo(app: TerminalContext, data: Path) -> None:
    """Open the kiosk with a virtual card tray and the printer emulator's receipt beside it."""
    need_display()
    from drivers.cardreader.factory import SimulatedReader, open_card_reader
    from drivers.printer.factory import SimulatedPrinter, open_printer
    from drivers.printer.job import TextMode
    from kiosk.services.terminal import open_kiosk
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
    from demo.kiosk_panel import DemoKioskApp  # Kivy's window opens on import

    data.mkdir(parents=True, exist_ok=True)
    store = open_store(data / "store.db", KeyFileProvider(data / "store.key"))
    reader = open_card_reader("sim://")
    printer = open_printer("sim://", TextMode(config.printer.text_mode), config.printer.paper_mm,
                           config.printer.charset)
    if not (isinstance(reader, SimulatedReader) and isinstance(printer, SimulatedPrinter)):
        raise TypeError("sim:// gave a device that is not simulated")
    reader.open()
    kiosk = open_kiosk(config, app.catalog, store, app.now, reader=reader, printer=printer, settings=settings)
    try:
        run_app(DemoKioskApp(kiosk, reader, printer, data / "receipts", lang=config.terminal.lang), kiosk)
    finally:
        store.close()
