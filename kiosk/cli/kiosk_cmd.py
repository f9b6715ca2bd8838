"""`yichuang kiosk …`: the citizen's touch screen in kiosk mode (`kiosk demo` lives in the demo package)."""

from __future__ import annotations

import os

import click

from cmdline.base import service_logging
from kiosk.cli.context import TerminalContext, pass_terminal


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
    from kiosk.services.terminal import open_kiosk  # loads the device drivers
    from kiosk.ui.launch import launch  # loads Kivy

    config = app.config
    settings = config.ui.model_copy(update={"fullscreen": False}) if windowed else config.ui
    store, source = app.open_store(), app.catalog_source()
    try:
        reenroll, config_file = app.reenroll, app.config_file
        kiosk = open_kiosk(config, source.load(), store, app.now, settings=settings, catalogs=source,
                           reenroll=None if reenroll is None else lambda token: reenroll(token, config_file))
        launch(kiosk, config.terminal.lang)
    finally:
        store.close()
