"""Home first, the terminal after: the store and the devices open off the UI thread once the first frame is drawn.

Until they are open the top bar says 准备中 (``app.ready`` is False) and a touch that needs them (a
service, the progress query, voice guidance, elder mode, call staff, the technician's gesture) is
answered at once with a short message and carried out, in order, as soon as they are open: never
dropped, never run against a terminal that is not there yet. A terminal that cannot open (a store
whose key is gone) stops the app, and ``failed`` says why (`launch` raises it, as before a window).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kivy.core.window import Window

from kiosk.services.startup import Startup
from kiosk.ui import bridge
from kiosk.ui.i18n import N_

if TYPE_CHECKING:
    from kiosk.services.terminal import Kiosk
    from kiosk.ui.app import KioskApp

log = logging.getLogger(__name__)
WAIT = N_("The terminal is getting ready. Your choice opens in a moment.")


class Opening:
    """Opens the terminal after the first frame and keeps the touches that wait for it."""

    def __init__(self, app: KioskApp, startup: Startup) -> None:
        """Open ``startup``'s terminal for ``app``."""
        self.app, self.startup = app, startup
        self.waiting: list[Callable[[], None]] = []
        self.failed: Exception | None = None
        self.stopped = False

    def after_first_frame(self) -> None:
        """Start opening the terminal once the first frame is on the screen."""
        Window.bind(on_flip=self.drawn)

    def drawn(self, *_args: Any) -> None:
        """The first frame is shown: open the store and the devices off the UI thread."""
        Window.unbind(on_flip=self.drawn)
        bridge.run(self.startup.open_terminal, self._opened, self._failed)

    def stop(self) -> None:
        """The app stops: open nothing more, and drop a terminal that opens after all."""
        Window.unbind(on_flip=self.drawn)
        self.stopped = True

    def wait(self, action: Callable[[], None]) -> None:
        """Carry out ``action`` once the terminal is open, and tell the citizen it is coming."""
        self.waiting.append(action)
        self.app.say(self.app.t(WAIT, self.app.lang))

    def _opened(self, kiosk: Kiosk) -> None:
        """Hand the open terminal to the app, then carry out the touches that waited, in order."""
        if self.stopped:
            return
        waiting, self.waiting = self.waiting, []
        if waiting:
            self.app.notice = ""
        self.app.opened(kiosk)
        for action in waiting:
            action()

    def _failed(self, exc: Exception) -> None:
        """The terminal did not open: note why and stop the app (systemd starts it again)."""
        if self.stopped:
            return
        log.error("terminal not opened: %s", type(exc).__name__, extra={"event": "kiosk_open_failed"})
        self.failed = exc
        self.app.stop()
