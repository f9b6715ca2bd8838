"""Out of service: new applications stop, the screen says why, what still works, and where to go instead."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import Body

load_kv(__file__)


class OutOfServiceScreen(KioskScreen):
    """Shown instead of home while a required device is down; the app returns home when it recovers."""

    name = "out_of_service"
    prompt = "This terminal cannot take applications at the moment."

    def show(self) -> None:
        """List the reasons and the hall's counter."""
        app = self.kiosk_app
        content = self.ids.content
        content.clear_widgets()
        for reason in app.availability.reasons:
            content.add_widget(Body(text="•" + app.text(reason)))
        hall = app.kiosk.hall
        content.add_widget(Body(text=app.t("You can still read the service guides on this terminal.", app.lang)))
        content.add_widget(Body(text=app.t("Please go to a service window: {address}, phone {phone}.",
                                           app.lang).format(address=app.text(hall.address), phone=hall.phone)))
