"""The technician screen: the sync backlog and the recent warnings (codes and times only), and the way out.

It never shows an application's content: only counts from the store and the kinds of its events.
"""

from __future__ import annotations

from kiosk.services.technician_access import audit
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
        content.add_widget(Body(text=app.t("Awaiting central's acknowledgement: {count}", app.lang).format(
            count=store.count_unacked())))
        warnings = [e for e in store.events() if e["severity"] in {"warning", "error"}][-RECENT:]
        content.add_widget(Body(text=app.t("Recent warnings:", app.lang)))
        for event in reversed(warnings):
            content.add_widget(Body(text=f"{str(event['at'])[:19]}  {event['kind']}"))

    def leave(self) -> None:
        """Record the exit and go back to the citizens' home."""
        app = self.kiosk_app
        audit(app.kiosk.store, "exited")
        app.end_session()
