"""`yichuang kiosk …`: the citizen's touch screen, in kiosk mode or as a demo with simulated devices."""

from __future__ import annotations

import os
from pathlib import Path

import click

from kiosk.cli.context import TerminalContext, pass_terminal


def _need_display() -> None:
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
    _need_display()
    from kiosk.ui.launch import launch

    store = app.open_store()
    try:
        launch(app.config, app.catalog, store, app.now, windowed=windowed)
    finally:
        store.close()


@kiosk_group.command("demo")
@click.option("--data", type=click.Path(path_type=Path, file_okay=False), default=Path("var/demo-kiosk"),
              show_default=True, help="The demo terminal's store, key and receipt pictures.")
@pass_terminal
def demo(app: TerminalContext, data: Path) -> None:
    """Open the kiosk with a virtual card tray and the printer emulator's receipt beside it."""
    _need_display()
    from kiosk.config import DevicesSection
    from kiosk.store.keys import KeyFileProvider
    from kiosk.store.opening import open_store
    from kiosk.ui.launch import launch

    data.mkdir(parents=True, exist_ok=True)
    config = app.config.model_copy(update={"devices": DevicesSection(card_reader="sim://", printer="sim://")})
    store = open_store(data / "store.db", KeyFileProvider(data / "store.key"))
    try:
        launch(config, app.catalog, store, app.now, demo_dir=data / "receipts")
    finally:
        store.close()
