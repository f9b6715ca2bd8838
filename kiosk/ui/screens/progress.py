"""进度查询: a receipt number typed on a keypad; where the application stands, and how recent that is."""

from __future__ import annotations

from datetime import datetime

from domain.lifecycle import STATE_NAMES
from kiosk.services.inputs import Input, edit
from kiosk.services.progress import MAX_NUMBER, NotFound, Progress
from kiosk.ui.inputs.keypads import LAYOUTS
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import Body, discard

load_kv(__file__)
LOOKUPS_PER_VISIT = 5
TOO_MANY = "You have looked up several numbers: for more, please ask at a service window."


class ProgressScreen(KioskScreen):
    """Look an application up by its receipt number (no session, nothing personal shown)."""

    name = "progress"
    prompt = "Type the receipt number to see where your application stands."

    def __init__(self, **kwargs: object) -> None:
        """Nothing typed yet."""
        super().__init__(**kwargs)
        self.typed = ""
        self.found: Progress | NotFound | None = None  # the answer shown (drawn again in another language)
        self.asked = 0  # lookups since the last citizen walked away: a few per visit, not a way to try every number

    def show(self) -> None:
        """Show what is typed, the keypad and the answer (it stays until the number changes)."""
        app = self.kiosk_app
        self.ids.typed.text = self.typed or app.t("Tap the keys below", app.lang)
        self.ids.keypad.build(LAYOUTS[Input.CODE], self.press)
        discard(self.ids.content)
        for line in self._lines():
            self.ids.content.add_widget(Body(text=line))

    def press(self, key: str) -> None:
        """Apply one key to the number; an earlier answer goes."""
        self.typed, self.found = edit(self.typed, key, MAX_NUMBER), None
        self.show()

    def search(self) -> None:
        """Look the number up, show the answer and say it (past the visit's lookups, send the citizen to a window)."""
        self.asked += 1
        self.found = self.kiosk_app.kiosk.progress(self.typed) if self.asked <= LOOKUPS_PER_VISIT else None
        self.show()
        if self.found is None:
            self.ids.content.add_widget(Body(text=self.kiosk_app.t(TOO_MANY)))
        self.kiosk_app.speak("\n".join(self._lines()))  # the whole answer: many who ask read poorly

    def _lines(self) -> list[str]:
        """Return the answer's lines in the language shown (none before a search)."""
        if self.found is None:
            return []
        return self._found(self.found) if isinstance(self.found, Progress) else [self._missing(self.found)]

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
        if found.parked:
            lines.append(t("It could not be sent to the service centre: please ask at a service window."))
        elif found.as_of:
            lines.append(t("As this terminal knows it, as of {when}.").format(when=_when(found.as_of, app.lang)))
        else:
            lines.append(t("Not yet sent to the service centre: it goes when the network is back."))
        return lines

    def _missing(self, why: NotFound) -> str:
        """Return why a number shows nothing."""
        t = self.kiosk_app.t
        if why is NotFound.MALFORMED:
            return t("This is not a receipt number: please check it against your receipt.")
        return t("No application with this number was made at this terminal. "
                 "For one made elsewhere, please ask at a service window.")

    def home(self) -> None:
        """Leave, forgetting the number (the count of lookups stays until the citizen walks away)."""
        self._forget()
        self.kiosk_app.go("home")

    def wipe(self) -> None:
        """Forget the number, the answer and the count of lookups (the citizen walked away)."""
        self._forget()
        self.asked = 0

    def _forget(self) -> None:
        """Forget the number and the answer."""
        self.typed, self.found = "", None
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
    local = moment.astimezone()
    return f"{local.month}月{local.day}日" if lang == "zh" else f"{local.day} {local:%b}"
