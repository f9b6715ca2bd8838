"""The technician's PIN: an on-screen keypad, the digits masked, wrong tries counted and a lockout's end shown.

Or the technician's card: 技术员卡 switches the keypad to the card's own PIN, which the card on the
PC/SC reader checks itself (kiosk/services/technician_card.py); the card is asked off the UI thread.
"""

from __future__ import annotations

from kiosk.services.technician import MAX_INPUT, PinLocked, TechnicianPin
from kiosk.services.technician_access import audit
from kiosk.services.technician_card import CardRefusal, CardRefused
from kiosk.ui import bridge
from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)
CARD_REFUSED = {
    CardRefusal.NO_READER: N_("This terminal's card reader cannot read technician cards: use the technician PIN."),
    CardRefusal.NOT_CONFIGURED: N_("This terminal is not enrolled, so technician cards cannot be checked: use the "
                                   "technician PIN."),
    CardRefusal.NO_CARD: N_("No technician card was read: lay it flat on the reader and try again."),
    CardRefusal.NOT_A_CARD: N_("This is not a technician card."),
    CardRefusal.WRONG_PIN: N_("Wrong card PIN: {tries} tries left before the card blocks itself."),
    CardRefusal.BLOCKED: N_("This card's PIN is blocked: ask ops to unblock or replace the card."),
    CardRefusal.INVALID: N_("This card is not valid here (another fleet's, expired or damaged): ask ops."),
    CardRefusal.REVOKED: N_("This card has been revoked (reported lost or withdrawn): hand it to ops."),
    CardRefusal.CRL_UNUSABLE: N_("This terminal's revocation list cannot be read, so no card is accepted: use the "
                                 "technician PIN and tell ops."),
}
MALFORMED_CARD_PIN = N_("A card PIN is 4 to 12 digits.")


class TechnicianPinScreen(KioskScreen):
    """Reached by the hidden gesture; the right PIN opens the technician screen."""

    name = "technician_pin"
    prompt = "Technician PIN"

    card = False  # the keypad takes the technician card's PIN, not the terminal's
    asking = False  # the card is being asked (off the UI thread)

    def show(self) -> None:
        """Start with nothing typed; say so when the keypad is locked."""
        self.typed = ""
        self.ids.masked.text = ""
        self.ids.message.text = self._locked_text() or ""
        self._label_card()

    def on_leave(self, *args: object) -> None:
        """Forget the mode and anything typed."""
        self.card, self.typed = False, ""
        super().on_leave(*args)

    def switch_card(self) -> None:
        """Switch between the terminal's PIN and the technician card's."""
        self.card, self.typed = not self.card, ""
        self.ids.masked.text = ""
        app = self.kiosk_app
        self.ids.message.text = app.t("Lay your technician card on the reader, then type the card's PIN.",
                                      app.lang) if self.card else ""
        self._label_card()

    def _label_card(self) -> None:
        """Title the keypad by whose PIN it takes, and the switch by what a touch on it does."""
        app = self.kiosk_app
        self.ids.title.text = app.t("Technician card PIN" if self.card else "Technician PIN", app.lang)
        self.ids.card.text = app.t("Use the technician PIN" if self.card else "Technician card", app.lang)

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
        if self.card:
            self._ask_card(typed)
            return
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

    def _ask_card(self, pin: str) -> None:
        """Ask the card on the reader to prove itself with ``pin`` (off the UI thread)."""
        if self.asking:
            return
        app = self.kiosk_app
        locked = self._locked_text()  # refused cards count as wrong tries: the same lockout holds
        if locked is not None:
            self.ids.message.text = locked
            return
        self.asking = True
        self.ids.message.text = app.t("Checking the technician card…", app.lang)
        bridge.run(lambda: app.kiosk.technician_card(pin), self._card_accepted, self._card_refused)

    def _card_accepted(self, _technician: str) -> None:
        """Open the technician screen, if the keypad is still what is shown (not after Exit)."""
        self.asking = False
        if self.manager.current == self.name:
            self.kiosk_app.go("technician")

    def _card_refused(self, exc: Exception) -> None:
        """Say why the card did not open the screens."""
        self.asking = False
        app = self.kiosk_app
        if not isinstance(exc, CardRefused):
            exc = CardRefused(CardRefusal.NO_CARD)
        msgid = MALFORMED_CARD_PIN if exc.why is CardRefusal.WRONG_PIN and exc.tries_left < 0 else CARD_REFUSED[exc.why]
        self.ids.message.text = app.t(msgid, app.lang).format(tries=exc.tries_left)
