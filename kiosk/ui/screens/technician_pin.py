"""The technician's PIN: an on-screen keypad, the digits masked, wrong tries counted and a lockout's end shown."""

from __future__ import annotations

from kiosk.services.technician import MAX_INPUT, PinLocked, TechnicianPin
from kiosk.services.technician_access import audit
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)


class TechnicianPinScreen(KioskScreen):
    """Reached by the hidden gesture; the right PIN opens the technician screen."""

    name = "technician_pin"
    prompt = "Technician PIN"

    def show(self) -> None:
        """Start with nothing typed; say so when the keypad is locked."""
        self.typed = ""
        self.ids.masked.text = ""
        self.ids.message.text = self._locked_text() or ""

    def _pin(self) -> TechnicianPin:
        """Return the PIN check over this terminal's configured hash and its store."""
        kiosk = self.kiosk_app.kiosk
        return TechnicianPin(kiosk.technician_pin_hash, kiosk.store)

    def _locked_text(self) -> str | None:
        """Return the lockout's end in words, or None when the keypad is open."""
        until = self._pin().locked_until()
        return None if until is None else self._until(until.astimezone().strftime("%H:%M:%S"))

    def _until(self, when: str) -> str:
        """Return the lockout message."""
        return self.kiosk_app.t("Too many wrong PINs: locked until {time}.", self.kiosk_app.lang).format(time=when)

    def digit(self, key: str) -> None:
        """Add a digit (shown as a dot) or take the last one back."""
        self.typed = self.typed[:-1] if key == "back" else (self.typed + key)[:MAX_INPUT]
        self.ids.masked.text = "●" * len(self.typed)

    def confirm(self) -> None:
        """Check the typed PIN: open the technician screen, or say it was wrong or locked."""
        typed, self.typed = self.typed, ""
        self.ids.masked.text = ""
        app = self.kiosk_app
        try:
            accepted = self._pin().check(typed)
        except PinLocked as locked:
            self.ids.message.text = self._until(locked.until.astimezone().strftime("%H:%M:%S"))
            return
        if accepted:
            audit(app.kiosk.store, "entered")
            app.go("technician")
            return
        self.ids.message.text = self._locked_text() or app.t("Wrong PIN.", app.lang)
