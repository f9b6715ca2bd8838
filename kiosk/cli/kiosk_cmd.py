"""`yichuang kiosk …`: the citizen's touch screen in kiosk mode (`kiosk demo` lives in the demo package)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from cmdline.base import service_logging
from kiosk.cli.context import TerminalContext, pass_terminal

if TYPE_CHECKING:
    from kiosk.services.terminal import Kiosk
    from kiosk.store.store import Store


def need_display() -> None:
    """Refuse clearly when there is no screen to open a window on."""
    if not os.environ.get("DISPLAY") and os.environ.get("SDL_VIDEODRIVER") != "offscreen":
        raise click.ClickException("no display: set DISPLAY (or run `make screenshots` to render the screens)")


@click.group("kiosk")
def kiosk_group() -> None:
    """The citizen's touch screen (Kivy)."""


@kiosk_group.command("run")
@click.option("--windowed", is_flag=True, help="A normal window instead of fullscreen kiosk mode.")
@pass_terminal
def run(app: TerminalContext, windowed: bool) -> None:
    """Run the kiosk with the configured devices and store until the window closes."""
    service_logging(app.config.log.level)
    need_display()
    from kiosk.services.startup import Startup
    from kiosk.ui.launch import launch  # loads Kivy

    config = app.config
    settings = config.ui.model_copy(update={"fullscreen": False}) if windowed else config.ui
    source = app.catalog_source()
    catalog = source.load()
    stores: list[Store] = []

    def open_terminal() -> Kiosk:
        """Open the store and the devices (off the UI thread, once home is drawn)."""
        from kiosk.services.terminal import open_kiosk  # the store's and the drivers' imports: after the first frame

        stores.append(app.open_store())
        reenroll, config_file = app.reenroll, app.config_file
        return open_kiosk(config, catalog, stores[0], app.now, settings=settings, catalogs=source,
                          reenroll=None if reenroll is None else lambda token: reenroll(token, config_file))

    try:
        launch(Startup(catalog, catalog.hall(config.terminal.hall), settings, open_terminal), config.terminal.lang)
    finally:
        for store in stores:
            store.close()
