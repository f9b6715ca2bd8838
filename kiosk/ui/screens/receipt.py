"""Receipt: the application is stored first, then printed; a printer failure never loses the application.

The screen shows the receipt's next steps too (hand in, supplement, wait, track), as the paper says them.
A 秒批 item's receipt waits a few seconds for central's approval first: approved, the screen says
"已批准" with what the citizen gets and the paper prints it; no word in time, the ordinary receipt prints.

If printing fails, the number is shown large with where to get the receipt (print again here,
or the staff desk, which can reprint from the number).
"""

from __future__ import annotations

from dataclasses import replace

from domain.application import Application
from domain.receipt import Receipt, next_steps
from domain.text import Text
from kiosk.services.session import Session
from kiosk.ui import bridge
from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)


class ReceiptScreen(KioskScreen):
    """Submit, print, and hand over the receipt."""

    name = "receipt"
    prompt = "Your application is being submitted."

    def __init__(self, **kwargs: object) -> None:
        """Nothing under way."""
        super().__init__(**kwargs)
        self.busy = False

    def show(self) -> None:
        """Submit once (a language change only redraws), then print."""
        app = self.kiosk_app
        session = app.session
        if session is None:
            return
        self.ids.reprint.disabled = True
        self.ids.rate.disabled = session.application is None
        if session.application is None and not self.busy:
            self._set_status(N_("Saving your application…"))
            self._submit(session)
        elif session.application is not None:
            self.ids.number.text = session.application.number
            self._show_steps()
            self._show_decision()
            if session.printed:
                self._set_status(N_("Please take your receipt."))

    def _set_status(self, msgid: str, *, spoken: bool = False, **values: str) -> None:
        """Show a status sentence (and say it when ``spoken``)."""
        app = self.kiosk_app
        self.ids.status.text = app.t(msgid, app.lang).format(**values)
        if spoken:
            app.speak(self.ids.status.text)

    def _submit(self, session: Session) -> None:
        """Store the application (the durable step), off the UI thread."""
        kiosk, draft = self.kiosk_app.kiosk, session.draft()
        self.busy = True
        bridge.run(lambda: kiosk.submit(draft), self._stored, self._not_stored)

    def _stored(self, result: tuple[Application, Receipt]) -> None:
        """The application is safe: show its number and print."""
        app = self.kiosk_app
        self.busy = False
        if app.session is None:
            return
        app.session.submitted(*result)
        self.ids.number.text = result[0].number
        self._show_steps()
        self.ids.rate.disabled = False
        if not app.kiosk.is_instant(result[0].offering_code):
            self.print_receipt()
            return
        kiosk, application = app.kiosk, result[0]
        self.busy = True
        self._set_status(N_("Checking your application. One moment…"))
        bridge.run(lambda: kiosk.await_approval(application), self._decided, lambda _exc: self._decided(None))

    def _decided(self, outcome: Text | None) -> None:
        """Central's 秒批 approval came in time (``outcome``: what the citizen gets), or not: print either way."""
        session = self.kiosk_app.session
        self.busy = False
        if session is None or session.receipt is None:
            return
        if outcome is not None:
            session.receipt = replace(session.receipt, approved=outcome)
            self._show_steps()
            self._show_decision()
            self.kiosk_app.speak(self.ids.decision.text)
        self.print_receipt()

    def _show_decision(self) -> None:
        """Say "已批准" when central approved the application while the citizen waited."""
        app = self.kiosk_app
        approved = app.session is not None and app.session.receipt is not None and app.session.receipt.approved
        self.ids.decision.text = app.t("Approved", app.lang) if approved else ""

    def _show_steps(self) -> None:
        """Show the receipt's next steps: hand in, supplement, wait, track."""
        app = self.kiosk_app
        receipt = app.session.receipt if app.session else None
        steps = next_steps(receipt, app.lang) if receipt else []
        self.ids.steps.text = "\n".join(f"{number}. {step}" for number, step in enumerate(steps, 1))

    def _not_stored(self, exc: Exception) -> None:
        """Nothing was submitted: say so plainly."""
        self.busy = False
        self._set_status(N_("Your application could not be saved, so nothing was submitted. "
                         "Please go to a service window or call staff."), spoken=True)

    def print_receipt(self) -> None:
        """Print the stored receipt, off the UI thread."""
        app = self.kiosk_app
        session = app.session
        if session is None or session.receipt is None:
            return
        kiosk, receipt, lang = app.kiosk, session.receipt, app.lang
        self.ids.reprint.disabled = True
        self._set_status(N_("Printing your receipt…"))
        bridge.run(lambda: kiosk.print_receipt(receipt, lang), self._printed, self._not_printed)

    def _printed(self, _result: object) -> None:
        """The receipt is out: say it aloud too (number, item, promised date, anything owed)."""
        app = self.kiosk_app
        self._set_status(N_("Please take your receipt."))
        if app.session is not None and app.session.receipt is not None:
            app.session.printed = True
            app.kiosk.voice.receipt(app.session.receipt, app.lang)

    def _not_printed(self, exc: Exception) -> None:
        """The application is kept; tell the citizen how to get the receipt."""
        session = self.kiosk_app.session
        number = session.application.number if session and session.application else ""
        self._set_status(N_("Your application is submitted and saved, but the receipt could not be printed. "
                         "Keep this number: {number}. Tap 'Print again', or ask at the staff desk."),
                         spoken=True, number=number)
        self.ids.reprint.disabled = False

    def wipe(self) -> None:
        """Clear the number and the status."""
        self.busy = False
        self.ids.number.text = ""
        self.ids.status.text = ""
        self.ids.steps.text = ""
        self.ids.decision.text = ""
