"""The personal-information notice (PIPL): what is collected, why, how long, who receives it; agree or leave."""

from __future__ import annotations

from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)
NOTICE = N_(
    "Before your ID card is read: this terminal collects the data on your card and what you type, only to "
    "handle the service you chose. It is stored encrypted on this terminal until the service centre has "
    "received it, then deleted here after the retention period. Only the department handling your "
    "application receives it. You may decline and apply at a service window instead."
)


class NoticeScreen(KioskScreen):
    """Consent before anything personal is read."""

    name = "notice"
    prompt = "Please read how your information is used, then agree or go back."

    def show(self) -> None:
        """Show the notice for the chosen department."""
        app = self.kiosk_app
        self.ids.body.text = app.t(NOTICE, app.lang)
        if app.session is not None:
            departments = sorted({app.text(i.department) for i in app.session.offering.items})
            self.ids.who.text = app.t("Receiving department:", app.lang) + " " + "、".join(departments)
