"""Identify: the citizen places the ID card; it is read off the UI thread; the masked identity is confirmed.

A citizen lifts the card once it is read: that is normal and never ends the session. No card,
an expired card for an item that needs a valid one, or unreadable data each get a plain
sentence and a way to try again.
"""

from __future__ import annotations

import logging

from kivy.animation import Animation
from kivy.properties import BooleanProperty

from domain.identity import Identity
from domain.text import Text
from kiosk.services.identify import CardNotRead, ReadProblem
from kiosk.ui import bridge
from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)
log = logging.getLogger(__name__)
PULSE_LOW = 0.85  # the card picture pulses while waiting, never fainter than 3:1 against the page
OFFER = N_("Would you like elder mode: larger text and buttons, slower voice, more time?")
MESSAGES = {
    ReadProblem.NO_CARD: N_("No card was found. Please place your ID card flat on the reader and try again."),
    ReadProblem.LIFTED: N_("The card was moved while it was read. Please place it again and keep it still."),
    ReadProblem.UNREADABLE: N_("The card could not be read. Please try again, or go to a service window."),
    ReadProblem.READER_DOWN: N_("The card reader is not working. Please go to a service window or call staff."),
}


class IdentifyScreen(KioskScreen):
    """Read and confirm the citizen's identity."""

    name = "identify"
    prompt = "Please place your ID card on the reader."
    offering = BooleanProperty(False)  # elder mode is being offered

    def __init__(self, **kwargs: object) -> None:
        """Nothing read yet."""
        super().__init__(**kwargs)
        self.reading = 0  # increases per read: a late answer for an abandoned read is dropped
        self.refused: Text | None = None  # why the card just read cannot be used (kept across a language switch)

    def show(self) -> None:
        """Ask for the card and start reading."""
        app = self.kiosk_app
        self.ids.who.text = ""
        self.ids.confirm.disabled = True
        self.ids.retry.disabled = True
        if app.session is not None and app.session.identity is not None:
            self._confirm_shown(app.session.identity)
        elif self.refused is not None:  # the language changed: say why again, in the new language
            self.ids.message.text = app.text(self.refused)
            self.ids.retry.disabled = False
        else:
            self.read()

    def read(self) -> None:
        """Wait for a card and read it, off the UI thread."""
        self.reading += 1
        token, kiosk = self.reading, self.kiosk_app.kiosk
        self.refused = None
        self.offering = False
        self.ids.message.text = self.kiosk_app.t("Please place your ID card on the reader.", self.kiosk_app.lang)
        self.ids.retry.disabled = True
        self._pulse(True)
        bridge.run(lambda: kiosk.read_card(lambda: token == self.reading),  # a read the citizen left stops
                   lambda identity: self._read(token, identity), lambda exc: self._failed(token, exc))

    def _read(self, token: int, identity: Identity) -> None:
        """Take a read identity (if the citizen is still here)."""
        app = self.kiosk_app
        if token != self.reading or app.session is None or app.manager.current != self.name:
            return
        self._pulse(False)
        refused = app.session.take_identity(identity)
        if refused is not None:
            self.refused = refused.text
            self.ids.message.text = app.text(refused.text)
            app.speak(self.ids.message.text)
            self.ids.retry.disabled = False
            session = app.session
            bridge.run(lambda: app.kiosk.card_refused(session, identity, refused), lambda _: None,
                       lambda exc: log.error("the refused card could not be recorded for ops: %s", type(exc).__name__))
            return
        self._confirm_shown(identity)

    def _confirm_shown(self, identity: Identity) -> None:
        """Show the masked identity and offer to continue."""
        app = self.kiosk_app
        self.ids.message.text = app.t("Is this you? You may take your card now.", app.lang)
        self.offering = app.session is not None and not app.elder and app.session.offer_elder()
        question = f" {app.t(OFFER, app.lang)}" if self.offering else ""
        app.speak(self.ids.message.text + question)  # the masked name and number are shown, never said
        self.ids.who.text = f"{identity.masked_name}\n{identity.masked_id}"
        self.ids.confirm.disabled = False
        self.ids.retry.disabled = False

    def answer_offer(self, yes: bool) -> None:
        """Take the citizen's answer to the elder-mode offer (not asked again this session)."""
        app = self.kiosk_app
        self.offering = False
        if app.session is not None:
            app.session.elder_offered = True
        if yes and not app.elder:
            app.toggle_elder()

    def _failed(self, token: int, exc: Exception) -> None:
        """Say what went wrong in words, and allow another try."""
        app = self.kiosk_app
        if token != self.reading or app.manager.current != self.name:
            return
        self._pulse(False)
        problem = exc.problem if isinstance(exc, CardNotRead) else ReadProblem.UNREADABLE
        msgid = MESSAGES[problem]
        self.ids.message.text = app.t(msgid, app.lang)
        app.speak(self.ids.message.text)
        self.ids.retry.disabled = False

    def _pulse(self, on: bool) -> None:
        """Pulse the card-on-reader picture while waiting for a card; hold it still otherwise."""
        picture = self.ids.reading
        Animation.cancel_all(picture)
        picture.opacity = 1.0
        if on:
            pulse = Animation(opacity=PULSE_LOW, duration=0.7) + Animation(opacity=1.0, duration=0.7)
            pulse.repeat = True
            pulse.start(picture)

    def retry(self) -> None:
        """Forget the identity shown and read again."""
        app = self.kiosk_app
        if app.session is not None:
            app.session.identity = None
        self.ids.who.text = ""
        self.ids.confirm.disabled = True
        self.read()

    def on_leave(self, *args: object) -> None:
        """Drop any read still under way, the refusal shown and the elder-mode offer."""
        self.reading += 1
        self.refused = None
        self.offering = False
        Animation.cancel_all(self.ids.reading)

    def wipe(self) -> None:
        """Clear the masked identity."""
        self.reading += 1
        self.refused = None
        self.offering = False
        Animation.cancel_all(self.ids.reading)
        self.ids.who.text = ""
        self.ids.message.text = ""
