"""Central's commands and catalog releases in the kiosk window: applied only while no citizen is in a session.

Every few seconds with no session (a terminal idle at 3 a.m. is between sessions too), and at once
when a session ends, the terminal runs the commands central sent and serves a staged catalog
release (kiosk/services/remote.py, catalogs.py) off the UI thread; then the window forgets its
search index if the catalog changed, shows the hall's notice, checks availability (maintenance
stops new applications) and, if a restart was asked, stops the app for systemd to start it again.
During a session it only looks for an urgent command: the next screen change ends the session.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from domain.text import Text
from kiosk.ui import bridge

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

log = logging.getLogger(__name__)
POLL_S = 5.0


class BetweenSessions:
    """Applies central's commands and catalog switches to the window when no session runs."""

    def __init__(self, app: KioskApp) -> None:
        """Work for ``app``."""
        self.app = app
        self.running = False
        self.urgent = False  # an urgent command waits: the session ends at the next screen change

    def poll(self, _dt: float = 0.0) -> None:
        """Run what is due when no session runs; during one, only look for an urgent command."""
        if self.app.session is None:
            self.run()
        else:
            bridge.run(self.app.kiosk.urgent_waiting, self._urgent, self._failed)

    def run(self) -> None:
        """Run central's commands and switch catalogs off the UI thread (never twice at once)."""
        if self.running:
            return
        self.running = True
        kiosk = self.app.kiosk
        bridge.run(lambda: (kiosk.between_sessions(), kiosk.notice()), self._done, self._failed)

    def _urgent(self, waiting: bool) -> None:
        """Note whether an urgent command waits."""
        self.urgent = waiting and self.app.session is not None

    def _done(self, outcome: tuple[bool, Text | None]) -> None:
        """Apply what changed to the window."""
        self.running, self.urgent = False, False
        changed, notice = outcome
        app = self.app
        if changed:
            app.manager.get_screen("home").forget_entries()
            if app.session is None and app.manager.current == "home":
                app.current.show()
        app.hall_notice = notice
        app.check_devices()
        if app.kiosk.restart_requested and app.session is None:
            log.info("restarting as central asked", extra={"event": "restart_asked"})
            app.stop()

    def _failed(self, exc: Exception) -> None:
        """Log a failure; the next poll tries again."""
        self.running = False
        log.error("between sessions: %s", type(exc).__name__, extra={"event": "between_sessions_failed"})
