"""进度查询: a receipt number typed on a keypad, its QR scanned, or the citizen's own ID card; where things stand.

Central is asked through the sync agent (off the UI thread, a few seconds at most); without an
answer the terminal shows what it knows itself, labelled with its age. The card is read, its
number sealed into the question and then forgotten: nothing of it is shown or kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from domain.lifecycle import STATE_NAMES, State
from kiosk.services.identify import CardNotRead, ReadProblem
from kiosk.services.inputs import Input, edit
from kiosk.services.progress import MAX_NUMBER, NotFound, Progress
from kiosk.ui import bridge
from kiosk.ui.i18n import N_
from kiosk.ui.inputs.keypads import LAYOUTS
from kiosk.ui.scanner import WedgeScanner
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.screens.identify import MESSAGES
from kiosk.ui.widgets import BigButton, Body, discard

load_kv(__file__)
LOOKUPS_PER_VISIT = 5
MAX_SCAN = 512  # characters a scanner may type before Enter (a receipt's QR holds fewer than 300)
TOO_MANY = "You have looked up several numbers: for more, please ask at a service window."
Shown = Progress | NotFound | list[Progress]
MISSING = {
    NotFound.MALFORMED: N_("This is not a receipt number: please check it against your receipt."),
    NotFound.ELSEWHERE: N_("The service centre cannot be reached now, and this application was not made at this "
                           "terminal. Please try again later, or ask at a service window."),
    NotFound.UNKNOWN: N_("The service centre has no application with this number: please check it against your "
                         "receipt."),
    NotFound.BUSY: N_("Too many lookups from this terminal just now: please wait a minute and try again."),
    NotFound.UNVERIFIED: N_("This receipt's code cannot be verified: please type the receipt number instead."),
    NotFound.OFFLINE: N_("The service centre cannot be reached now, so applications cannot be found by ID card. "
                         "Please look up by receipt number, or try again later."),
    NotFound.NOT_ID: N_("This card carries no ID number. Please use your resident ID card, or look up by receipt "
                        "number."),
}


class ProgressScreen(KioskScreen):
    """Look an application up by its receipt number (no session, nothing personal shown)."""

    name = "progress"
    prompt = "Type the receipt number to see where your application stands."

    def __init__(self, **kwargs: object) -> None:
        """Nothing typed yet."""
        super().__init__(**kwargs)
        self.typed = ""
        self.found: Shown | None = None  # the answer shown (drawn again in another language)
        self.asked = 0  # lookups since the last citizen walked away: a few per visit, not a way to try every number
        self.asking = 0  # increases per lookup: a late answer to an abandoned one is dropped
        self.scanner = WedgeScanner(self.scanned, MAX_SCAN)  # a receipt's QR, read by a keyboard-wedge scanner

    def show(self) -> None:
        """Show what is typed, the keypad and the answer (it stays until the number changes)."""
        app = self.kiosk_app
        self.ids.typed.text = self.typed or app.t("Tap the keys below", app.lang)
        self.ids.keypad.build(LAYOUTS[Input.CODE], self.press)
        discard(self.ids.content)
        for line in self._lines():
            self.ids.content.add_widget(Body(text=line))
        if self._owing():  # 补齐 here, by the applicant's own card
            self.ids.content.add_widget(BigButton(text=app.t("Supplement the materials here", app.lang),
                                                  on_release=lambda _b: app.go("supplement")))

    def _owing(self) -> bool:
        """Return whether an application shown owes materials (and is not past its deadline)."""
        found = self.found if isinstance(self.found, list) else [self.found]
        today = self.kiosk_app.kiosk.now().date()
        return any(isinstance(p, Progress) and p.state is State.NEEDS_SUPPLEMENT and p.owed
                   and (p.due is None or p.due >= today) for p in found)

    def press(self, key: str) -> None:
        """Apply one key to the number; an earlier answer goes."""
        self.typed, self.found = edit(self.typed, key, MAX_NUMBER), None
        self.show()

    def search(self) -> None:
        """Look the number up off the UI thread (central first), then show and say the answer."""
        kiosk = self.kiosk_app.kiosk
        typed = self.typed
        self._start(N_("Looking it up…"), lambda: kiosk.progress(typed))

    def on_enter(self, *_args: object) -> None:
        """Listen for a QR scanner: a keyboard-wedge scanner types the QR's text and presses Enter."""
        self.scanner.start()

    def on_leave(self, *_args: object) -> None:
        """Stop listening for the scanner."""
        self.scanner.stop()

    def scanned(self, payload: str) -> None:
        """Look up what a receipt's QR names, once its signature holds."""
        kiosk = self.kiosk_app.kiosk
        self._start(N_("Looking it up…"), lambda: kiosk.scanned_progress(payload))

    def by_card(self) -> None:
        """Read the citizen's card, ask central for the holder's applications, show them; the card is not kept."""
        kiosk, token = self.kiosk_app.kiosk, self.asking + 1
        self._start(N_("Please place your ID card on the reader."),
                    lambda: kiosk.holder_progress(kiosk.read_card(lambda: token == self.asking)))

    def _start(self, waiting: str, work: Callable[[], Shown]) -> None:
        """Run one lookup off the UI thread (past the visit's lookups, send the citizen to a window)."""
        self.asked += 1
        self.asking += 1
        token = self.asking
        self.found = None
        self.show()
        if self.asked > LOOKUPS_PER_VISIT:
            self._say(self.kiosk_app.t(TOO_MANY))
            return
        self._say(self.kiosk_app.t(waiting))
        self._busy(True)
        bridge.run(work, lambda found: self._answered(token, found), lambda exc: self._failed(token, exc))

    def _answered(self, token: int, found: Shown) -> None:
        """Show and say an answer, if the citizen still waits for it."""
        if token != self.asking or self.manager.current != self.name:
            return
        self._busy(False)
        self.found = found
        self.show()
        self.kiosk_app.speak("\n".join(self._lines()))  # the whole answer: many who ask read poorly

    def _failed(self, token: int, exc: Exception) -> None:
        """Say why the card could not be read (or the lookup failed) in words."""
        if token != self.asking or self.manager.current != self.name:
            return
        self._busy(False)
        problem = exc.problem if isinstance(exc, CardNotRead) else ReadProblem.UNREADABLE
        self.show()
        self._say(self.kiosk_app.t(MESSAGES[problem]))

    def _deadline(self, found: Progress) -> list[str]:
        """Return the reminder of the deadline for what is owed, or what happens now that it has passed."""
        if found.due is None:
            return []
        t, lang = self.kiosk_app.t, self.kiosk_app.lang
        if found.due < self.kiosk_app.kiosk.now().date():
            return [t("The deadline to hand them in ({when}) has passed: the service centre may now decline the "
                      "application. Please go to a service window as soon as you can.").format(
                when=_date(found.due, lang))]
        return [t("Please hand them in by {when} at any service window.").format(when=_date(found.due, lang))]

    def _say(self, line: str) -> None:
        """Show one line under the number and say it."""
        self.ids.content.add_widget(Body(text=line))
        self.kiosk_app.speak(line)

    def _busy(self, busy: bool) -> None:
        """Hold the lookup buttons while a lookup runs."""
        self.ids.search.disabled = self.ids.card.disabled = busy

    def _lines(self) -> list[str]:
        """Return the answer's lines in the language shown (none before a search)."""
        found, t = self.found, self.kiosk_app.t
        if found is None:
            return []
        if isinstance(found, list):
            if not found:
                return [t("The service centre has no application made with this card.")]
            return [line for each in found for line in (t("Receipt number: {number}").format(number=each.number),
                                                          *self._found(each))]
        return self._found(found) if isinstance(found, Progress) else [t(MISSING[found])]

    def _found(self, found: Progress) -> list[str]:
        """Return the lines describing an application's progress."""
        app, t = self.kiosk_app, self.kiosk_app.t
        lines = [t("Service: {item}").format(item=app.text(found.item)),
                 t("Status: {state}").format(state=app.text(STATE_NAMES[found.state])),
                 t("Submitted: {when}").format(when=_day(found.submitted, app.lang))]
        if found.reason:
            lines.append(t("Reason: {reason}").format(reason=found.reason))
        if found.owed:
            lines.append(t("Still to hand in: {materials}").format(
                materials="、".join(app.text(m) for m in found.owed)))
            lines.extend(self._deadline(found))
        if found.parked:
            lines.append(t("It could not be sent to the service centre: please ask at a service window."))
        elif found.live and found.as_of:
            lines.append(t("As the service centre knows it, as of {when}.").format(when=_when(found.as_of, app.lang)))
        elif found.as_of:
            lines.append(t("As this terminal knows it, as of {when}.").format(when=_when(found.as_of, app.lang)))
        else:
            lines.append(t("Not yet sent to the service centre: it goes when the network is back."))
        return lines

    def home(self) -> None:
        """Leave, forgetting the number (the count of lookups stays until the citizen walks away)."""
        self._forget()
        self.kiosk_app.go("home")

    def wipe(self) -> None:
        """Forget the number, the answer and the count of lookups (the citizen walked away)."""
        self._forget()
        self.asked = 0

    def _forget(self) -> None:
        """Forget the number and the answer (an answer still on its way is dropped)."""
        self.typed, self.found = "", None
        self.asking += 1
        self._busy(False)
        self.ids.typed.text = ""
        discard(self.ids.content)


def _when(moment: datetime, lang: str) -> str:
    """Return a local date and time the way a clerk says it (12月2日 09:14, or 2 Dec 09:14)."""
    local = moment.astimezone()
    if lang == "zh":
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def _day(moment: datetime, lang: str) -> str:
    """Return a local date (12月2日, or 2 Dec): no time of day, which would help someone guess whose it is."""
    return _date(moment.astimezone().date(), lang)


def _date(day: date, lang: str) -> str:
    """Return a date the way a clerk says it (12月11日, or 11 Dec)."""
    return f"{day.month}月{day.day}日" if lang == "zh" else f"{day.day} {day:%b}"
