"""Re-enrollment at the terminal: the technician types the token on a keypad (or scans it), the medium plugged in.

A terminal powered off past its certificate's expiry is refused by the broker; with a token from
`provision token reenroll` and the claim medium plugged in it gets a new key and certificate and
keeps its id, its store and every queued application. The token is never shown whole once sent,
never kept, and never logged: only the action's code is audited.
"""

from __future__ import annotations

from kiosk.services.inputs import Input, edit
from kiosk.services.technician_access import audit
from kiosk.ui import bridge
from kiosk.ui.i18n import N_
from kiosk.ui.inputs.keypads import LAYOUTS
from kiosk.ui.scanner import WedgeScanner
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)
MAX_TOKEN = 40  # a token is 32 characters: room for a mistyped few, no more
NOT_HERE = N_("This kiosk was started without re-enrollment: run `provision enroll --reenroll` on the terminal.")


def grouped(token: str) -> str:
    """Return ``token`` in groups of four characters, as a technician reads it off the sheet."""
    return " ".join(token[i:i + 4] for i in range(0, len(token), 4))


class TechnicianEnrollScreen(KioskScreen):
    """Reached from the technician screen; back returns there, and the screens' idle timeout goes home."""

    name = "technician_enroll"
    prompt = "Re-enroll this terminal"

    def __init__(self, **kwargs: object) -> None:
        """Nothing typed yet; a scanner's token is taken as typed."""
        super().__init__(**kwargs)
        self.typed = ""
        self.busy = False
        self.scanner = WedgeScanner(self.scanned, MAX_TOKEN * 2)

    def show(self) -> None:
        """Show the token typed so far (grouped) and the keypad."""
        app = self.kiosk_app
        self.ids.typed.text = grouped(self.typed) or app.t("Type or scan the re-enrollment token", app.lang)
        self.ids.keypad.build(LAYOUTS[Input.CODE], self.press)

    def on_enter(self, *args: object) -> None:
        """Listen for a scanner (what was typed goes when the screen does)."""
        self.ids.outcome.text = ""
        self.scanner.start()
        super().on_enter(*args)

    def on_leave(self, *args: object) -> None:
        """Forget the token and stop listening."""
        self.typed = ""
        self.scanner.stop()
        super().on_leave(*args)

    def press(self, key: str) -> None:
        """Apply one key to the token."""
        self.typed = edit(self.typed, key, MAX_TOKEN)
        self.show()

    def scanned(self, payload: str) -> None:
        """Take a scanned token as typed (its spaces dropped) and enroll with it."""
        self.typed = "".join(payload.split()).upper()[:MAX_TOKEN]
        self.show()
        self.enroll()

    def enroll(self) -> None:
        """Re-enroll off the UI thread; on success run the self-test on the technician screen."""
        app = self.kiosk_app
        kiosk, token = app.kiosk, self.typed
        if self.busy or not token:
            return
        if kiosk.reenroll is None:
            self._said(NOT_HERE)
            return
        audit(kiosk.store, "reenroll")
        self.busy, self.ids.enroll.disabled = True, True
        self._said(N_("Re-enrolling: asking central…"))
        bridge.run(lambda: kiosk.reenroll(token) if kiosk.reenroll else "", self._enrolled, self._refused)

    def _enrolled(self, terminal: str) -> None:
        """Say so, go back to the technician screen and run the self-test there."""
        self.busy, self.ids.enroll.disabled = False, False
        audit(self.kiosk_app.kiosk.store, "reenrolled")
        self.kiosk_app.go("technician")
        self.kiosk_app.manager.get_screen("technician").reenrolled(terminal)

    def _refused(self, exc: Exception) -> None:
        """Say why not, in words for the technician (the detail is central's or the medium's, in English)."""
        self.busy, self.ids.enroll.disabled = False, False
        self.typed = ""  # a refused token is typed again from the start (and not left on the screen)
        self.show()
        self._said(N_("Not re-enrolled. Check the token, the enrollment medium and the network, then try again. "
                      "Detail: {error}"), error=str(exc)[:300])

    def _said(self, msgid: str, **values: str) -> None:
        """Show the outcome of an action."""
        self.ids.outcome.text = self.kiosk_app.t(msgid, self.kiosk_app.lang).format(**values)

    def back(self) -> None:
        """Back to the technician screen."""
        if not self.busy:
            self.kiosk_app.go("technician")
