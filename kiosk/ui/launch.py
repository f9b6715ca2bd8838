"""Build and run the kiosk app from the terminal configuration (the UI's composition root).

Devices come from the configured URLs: `sim://` gives the simulated card reader and the
printer emulator, which the demo panel (a virtual card tray and the printed receipt) drives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from domain.catalog import Catalog
from domain.text import Lang
from drivers.cardreader.factory import SimulatedReader, open_card_reader
from drivers.printer.factory import SimulatedPrinter, open_printer
from drivers.printer.job import TextMode
from kiosk.config import Config
from kiosk.store.store import Store
from kiosk.ui.kivyconf import configure, register_font


def launch(config: Config, catalog: Catalog, store: Store, now: Callable[[], datetime], *,
           windowed: bool = False, demo_dir: Path | None = None) -> None:
    """Open the devices and run the kiosk until the window closes (``demo_dir``: with the demo panel)."""
    settings = config.ui.model_copy(update={"fullscreen": False}) if windowed or demo_dir else config.ui
    if demo_dir is not None:  # half size, same millimetres, to fit a desktop screen; the panel to the right
        settings = settings.model_copy(update={"width_px": settings.width_px // 2, "height_px": settings.height_px // 2,
                                               "panel_inches": settings.panel_inches / 2})
        configure(settings.model_copy(update={"width_px": settings.width_px * 3 // 2}))
    else:
        configure(settings)
    register_font()
    from kiosk.services.terminal import Kiosk  # noqa: PLC0415
    from kiosk.ui.app import KioskApp  # noqa: PLC0415 - Kivy's window opens on import: after configure()

    reader = open_card_reader(config.devices.card_reader)
    reader.open()
    printer = open_printer(config.devices.printer, TextMode(config.printer.text_mode), config.printer.paper_mm,
                           config.printer.charset)
    kiosk = Kiosk(catalog, catalog.hall(config.terminal.hall), config.terminal.id, store, reader, printer,
                  settings, now)
    lang: Lang = "en" if config.terminal.locale == "en" else "zh"
    try:
        if demo_dir is not None and isinstance(reader, SimulatedReader) and isinstance(printer, SimulatedPrinter):
            from kiosk.ui.demo_panel import DemoKioskApp  # noqa: PLC0415

            DemoKioskApp(kiosk, reader, printer, demo_dir, lang=lang).run()
        else:
            KioskApp(kiosk, lang=lang).run()
    finally:
        reader.close()
        printer.close()
