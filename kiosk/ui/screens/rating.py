"""Rating (好差评): five levels; the two bad levels ask for reasons; stored encrypted and queued for central."""

from __future__ import annotations

import logging

from kiosk.services.feedback import BAD_LEVELS
from kiosk.ui import bridge
from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import BigButton, discard

load_kv(__file__)
LEVELS = ((5, N_("Very satisfied")), (4, N_("Satisfied")), (3, N_("Fairly satisfied")), (2, N_("Dissatisfied")),
          (1, N_("Very dissatisfied")))
REASON_WORDS = {  # each of feedback.REASONS (the 好差评 system's wording, stored) in the citizen's language
    "等待时间长": N_("Waited too long"), "操作复杂": N_("Too complicated"),
    "设备故障": N_("The terminal did not work well"), "指引不清楚": N_("Instructions were unclear"),
    "材料要求多": N_("Too many materials asked for"),
}
log = logging.getLogger(__name__)


class RatingScreen(KioskScreen):
    """How was it?"""

    name = "rating"
    prompt = "How satisfied are you with this service?"

    def __init__(self, **kwargs: object) -> None:
        """No level chosen yet."""
        super().__init__(**kwargs)
        self.level = 0
        self.reasons: set[str] = set()

    def show(self) -> None:
        """Show the levels, and reasons for a bad level."""
        app = self.kiosk_app
        levels, reasons = self.ids.levels, self.ids.reasons
        chosen, plain = app.theme.colours.chosen, app.theme.colours.primary
        discard(levels)
        discard(reasons)
        for level, msgid in LEVELS:
            levels.add_widget(BigButton(text=app.t(msgid, app.lang), background_color=chosen if level == self.level
                                        else plain, chosen=level == self.level,
                                        on_release=lambda _b, n=level: self.choose(n)))
        if self.level in BAD_LEVELS:
            for stored, msgid in REASON_WORDS.items():
                reasons.add_widget(BigButton(text=app.t(msgid, app.lang),
                                             background_color=chosen if stored in self.reasons else plain,
                                             chosen=stored in self.reasons,
                                             on_release=lambda _b, r=stored: self.toggle(r)))
        self.ids.send.disabled = not self.level

    def choose(self, level: int) -> None:
        """Pick a level."""
        self.level = level
        if level not in BAD_LEVELS:
            self.reasons = set()
        self.show()

    def toggle(self, reason: str) -> None:
        """Add or drop a reason."""
        self.reasons ^= {reason}
        self.show()

    def send(self) -> None:
        """Store the rating (off the UI thread), thank the citizen, and end the session."""
        app = self.kiosk_app
        session, level, reasons, kiosk = app.session, self.level, set(self.reasons), app.kiosk
        bridge.run(lambda: kiosk.rate(session, level, reasons), lambda _: None,
                   lambda exc: log.error("rating not stored: %s", type(exc).__name__))
        app.end_session()
        app.say(app.t("Thank you for your rating.", app.lang))

    def wipe(self) -> None:
        """Forget the choice."""
        self.level, self.reasons = 0, set()
        discard(self.ids.levels)
        discard(self.ids.reasons)
