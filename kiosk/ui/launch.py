"""Open the kiosk window and run the app until it closes (window settings first: Kivy reads them on import)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cmdline.liveness import Liveness
from domain.text import Lang
from kiosk.config import UiSection
from kiosk.services.startup import Startup
from kiosk.ui.kivyconf import configure, register_font

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def prepare_window(settings: UiSection, *, width_px: int | None = None) -> None:
    """Set up the window for ``settings`` (``width_px``: wider, for a panel beside the kiosk) and the CJK font."""
    configure(settings if width_px is None else settings.model_copy(update={"width_px": width_px}))
    register_font()


def run_app(app: KioskApp) -> None:
    """Run ``app`` until its window closes, then release the terminal's devices; raise what kept it from opening.

    Under systemd the UI loop itself feeds the watchdog, and the kiosk says it is ready once its store and
    devices are open: a hung screen stops the pings and is restarted, a store that will not open never starts.
    """
    from kivy.clock import Clock  # noqa: PLC0415 - after prepare_window(), like every Kivy import

    liveness = Liveness()

    def opened(_app: KioskApp, ready: bool) -> None:
        """Say READY once the store and the devices are open."""
        if ready:
            liveness.ready("citizen screens shown")

    app.fbind("ready", opened)
    feeding = Clock.schedule_interval(lambda _dt: liveness.alive(), 1.0)
    try:
        app.run()
    finally:
        feeding.cancel()
        liveness.stopping()
        app.close_terminal()
    if app.opening is not None and app.opening.failed is not None:
        raise app.opening.failed


def launch(startup: Startup, lang: Lang) -> None:
    """Run the kiosk app: home first, from ``startup`` (its settings say the window), the store and devices after."""
    prepare_window(startup.settings)
    from kiosk.ui.app import KioskApp  # noqa: PLC0415 - Kivy's window opens on import: after prepare_window()

    run_app(KioskApp(startup, lang=lang))
