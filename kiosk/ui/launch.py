"""Open the kiosk window and run the app until it closes (window settings first: Kivy reads them on import)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cmdline.liveness import Liveness
from domain.text import Lang
from kiosk.config import UiSection
from kiosk.services.terminal import Kiosk
from kiosk.ui.kivyconf import configure, register_font

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def prepare_window(settings: UiSection, *, width_px: int | None = None) -> None:
    """Set up the window for ``settings`` (``width_px``: wider, for a panel beside the kiosk) and the CJK font."""
    configure(settings if width_px is None else settings.model_copy(update={"width_px": width_px}))
    register_font()


def run_app(app: KioskApp, kiosk: Kiosk) -> None:
    """Run ``app`` until its window closes, then release the terminal's devices.

    Under systemd the UI loop itself feeds the watchdog: a hung screen stops the pings and is restarted.
    """
    from kivy.clock import Clock  # noqa: PLC0415 - after prepare_window(), like every Kivy import

    liveness = Liveness()
    Clock.schedule_once(lambda _dt: liveness.ready("citizen screens shown"), 0)
    feeding = Clock.schedule_interval(lambda _dt: liveness.alive(), 1.0)
    try:
        app.run()
    finally:
        feeding.cancel()
        liveness.stopping()
        kiosk.close()


def launch(kiosk: Kiosk, lang: Lang) -> None:
    """Run the kiosk app over ``kiosk`` (its settings say the window) until the window closes."""
    prepare_window(kiosk.settings)
    from kiosk.ui.app import KioskApp  # noqa: PLC0415 - Kivy's window opens on import: after prepare_window()

    run_app(KioskApp(kiosk, lang=lang), kiosk)
