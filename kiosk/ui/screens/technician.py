"""The technician screen: the sync backlog, the recent warnings (codes and times only), paper and test page, exit.

It never shows an application's content: only counts from the store and the kinds of its events.
"Paper replaced" asks the printer's sensors again at once (they, not a button, say whether paper
is there), so a terminal stopped for want of paper takes applications again without waiting.
"""

from __future__ import annotations

from kiosk.services import printing
from kiosk.services.technician_access import audit, sync_backlog
from kiosk.ui import bridge
from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import Body

load_kv(__file__)

RECENT = 5  # how many recent warnings the screen lists


class TechnicianScreen(KioskScreen):
    """Opened by the right technician PIN; the exit (or the idle timeout) goes back to the citizens' home."""

    name = "technician"
    prompt = "Technician screen"

    def show(self) -> None:
        """List the backlog and the recent warnings."""
        app = self.kiosk_app
        store = app.kiosk.store
        content = self.ids.content
        content.clear_widgets()
        count, minutes = sync_backlog(store)
        content.add_widget(Body(text=app.t("Awaiting central's acknowledgement: {count}, the oldest {minutes} min",
                                           app.lang).format(count=count, minutes=minutes)))
        warnings = [e for e in store.events() if e["severity"] in {"warning", "error"}][-RECENT:]
        content.add_widget(Body(text=app.t("Recent warnings:", app.lang)))
        for event in reversed(warnings):
            content.add_widget(Body(text=f"{str(event['at'])[:19]}  {event['kind']}"))

    def paper_replaced(self) -> None:
        """Record the new roll and poll the printer now, so its paper state is read again."""
        app = self.kiosk_app
        audit(app.kiosk.store, "paper_replaced")
        app.check_devices()

    def test_page(self) -> None:
        """Print the test page off the UI thread; say whether it printed."""
        app = self.kiosk_app
        kiosk = app.kiosk
        audit(kiosk.store, "test_page")
        self.ids.outcome.text = ""

        def work() -> None:
            kiosk.printer.print_lines(printing.test_page(kiosk.terminal_id, kiosk.now(), kiosk.printer.columns))

        bridge.run(work, lambda _: self._said(N_("Test page printed.")),
                   lambda exc: self._said(N_("The test page did not print: {error}"), type(exc).__name__))

    def _said(self, msgid: str, error: str = "") -> None:
        """Show the outcome of an action."""
        self.ids.outcome.text = self.kiosk_app.t(msgid, self.kiosk_app.lang).format(error=error)

    def leave(self) -> None:
        """Record the exit and go back to the citizens' home."""
        app = self.kiosk_app
        audit(app.kiosk.store, "exited")
        app.end_session()
