"""补齐材料: the applicant's card, the application that owes materials, a way for each, the declaration, the receipt.

Steps on one screen: ``card`` (read off the UI thread; central is asked which of the holder's
applications owe materials), ``choose`` (when several do), ``ways`` (declare or hand in, as the item
allows), ``confirm`` (the 告知承诺 shown in full: tapping 我承诺 is the declaration), then ``sending``
(stored durably, central's verdict awaited a few seconds) and ``done`` (the 补正 receipt printed) or a
refusal in words. The card's number lives only in the service's session, dropped when the citizen leaves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kivy.uix.boxlayout import BoxLayout

from domain.catalog import SUPPLEMENT_WAY_NAMES, SupplementWay
from domain.identity import Identity
from domain.supplement import WAY_HELP, SupplementReceipt, SupplementRefused, next_steps, told
from domain.text import Text
from kiosk.services.identify import CardNotRead, ReadProblem
from kiosk.services.progress import NotFound
from kiosk.services.supplement import Pending, SupplementSession, Verdict
from kiosk.ui import bridge
from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.screens.identify import MESSAGES
from kiosk.ui.screens.progress import MISSING
from kiosk.ui.widgets import BigButton, Body, discard

load_kv(__file__)
NONE_OWED = N_("None of your applications needs materials now.")
PLACE_CARD = N_("Please place your ID card on the reader.")


class SupplementScreen(KioskScreen):
    """Supplement what an application owes (补齐), by the applicant only."""

    name = "supplement"
    prompt = "Please place your ID card on the reader to supplement materials."

    def __init__(self, **kwargs: object) -> None:
        """Nothing read yet."""
        super().__init__(**kwargs)
        self.step = "card"
        self.session: SupplementSession | None = None
        self.receipt: SupplementReceipt | None = None
        self.said: str | Text = PLACE_CARD  # the step's message: a msgid, or a refusal's words in both languages
        self.token = 0  # increases per piece of background work: a late answer for an abandoned one is dropped

    def on_enter(self, *_args: object) -> None:
        """Start afresh with the card."""
        if self.session is None and self.step == "card":
            self.read(spoken=False)  # the screen's prompt, said on entry, already asks for the card

    def show(self) -> None:
        """Draw the current step (again in another language)."""
        app, t = self.kiosk_app, self.kiosk_app.t
        self.ids.message.text = app.text(self.said) if isinstance(self.said, Text) else t(self.said)
        discard(self.ids.content)
        self.ids.next.disabled = True
        self.ids.next.text = t("Next")
        getattr(self, f"_draw_{self.step}", lambda: None)()
        self.ids.back.text = t("Finish") if self.step == "done" else t("Back")

    def read(self, *, spoken: bool = True) -> None:
        """Wait for the applicant's card off the UI thread, then ask what their applications owe."""
        kiosk = self.kiosk_app.kiosk
        token = self._begin("card", PLACE_CARD, spoken=spoken)

        def work() -> SupplementSession | NotFound:
            identity: Identity = kiosk.read_card(lambda: token == self.token)
            return kiosk.owed_by(identity)
        self._run(token, work, self._found)

    def _found(self, found: SupplementSession | NotFound) -> None:
        """Show the holder's applications that owe materials (straight to the ways when there is one)."""
        if isinstance(found, NotFound):
            self._tell(MISSING[found])
            return
        self.session = found
        if len(found.pending) == 1:
            self.choose(found.pending[0])
            return
        self._tell(N_("Choose the application to supplement.") if found.pending else NONE_OWED,
                   "choose" if found.pending else "card")

    def _draw_card(self) -> None:
        """Offer another read after a failure."""
        if self.said != PLACE_CARD:
            self._add(BigButton(text=self.kiosk_app.t("Read again"), on_release=lambda _b: self.read()))

    def _draw_choose(self) -> None:
        """List the applications that owe materials."""
        app = self.kiosk_app
        for pending in self.session.pending if self.session else []:
            self._add(BigButton(text=f"{pending.progress.number}\n{app.text(pending.progress.item)}",
                                on_release=lambda _b, p=pending: self.choose(p)))

    def choose(self, pending: Pending) -> None:
        """Start on one application: a way for each owed material."""
        if self.session is not None:
            self.session.choose(pending)
        self._tell(N_("For each material, choose how you supplement it."), "ways")

    def _draw_ways(self) -> None:
        """Show each owed material with the ways its item allows side by side, and what the ways mean."""
        app, session = self.kiosk_app, self.session
        if session is None or session.chosen is None:
            return
        self._application(session)
        for number, owed in enumerate(session.chosen.owed, 1):
            self._add(Body(text=f"{number}. {app.text(owed.name)}"))
            row = BoxLayout(size_hint_y=None, height=app.theme.target, spacing=app.theme.gap)
            for way in owed.ways:
                row.add_widget(self._way(owed.material, way, session.ways.get(owed.material) is way))
            self._add(row)
        for way in sorted({w for owed in session.chosen.owed for w in owed.ways}):
            self._add(Body(text=app.text(WAY_HELP[way]).format(counter=app.text(app.kiosk.hall.counter))))
        self.ids.next.disabled = not session.ready()

    def _way(self, material: str, way: SupplementWay, chosen: bool) -> BigButton:
        """Return the button choosing ``way`` for ``material`` (the chosen one framed and coloured)."""
        app = self.kiosk_app
        return BigButton(text=app.text(SUPPLEMENT_WAY_NAMES[way]), chosen=chosen,
                         background_color=app.theme.colours.chosen if chosen else app.theme.colours.primary,
                         on_release=lambda _b: self.pick(material, way))

    def _application(self, session: SupplementSession) -> None:
        """Show which application is being supplemented: its number and service."""
        app, chosen = self.kiosk_app, session.chosen
        if chosen is not None:
            self._add(Body(text=app.t("Application: {number}").format(number=chosen.progress.number)))
            self._add(Body(text=app.text(chosen.progress.item)))

    def pick(self, material: str, way: SupplementWay) -> None:
        """Choose how one material is supplemented."""
        if self.session is not None:
            self.session.ways[material] = way
        self.show()

    def next(self) -> None:
        """Go on from the ways to the confirmation, and from the confirmation to sending."""
        if self.step == "ways":
            self._tell(N_("Please check, then confirm."), "confirm")
        elif self.step == "confirm":
            self.send()

    def _draw_confirm(self) -> None:
        """Show what will be supplied and how, and each declaration in full; confirming is declaring."""
        app, session = self.kiosk_app, self.session
        if session is None or session.chosen is None:
            return
        self._application(session)
        names, mark = {o.material: o.name for o in session.chosen.owed}, "：" if app.lang == "zh" else ": "
        for supplied in session.supplied():
            self._add(Body(text=f"{app.text(names[supplied.material])}{mark}"
                                f"{app.text(SUPPLEMENT_WAY_NAMES[supplied.way])}"))
        for text in session.declarations():
            self._add(Body(text=app.text(text)))
        self.ids.next.disabled = False
        self.ids.next.text = app.t("I declare this and submit") if session.declarations() else app.t("Submit")

    def send(self) -> None:
        """Store the supplement durably (off the UI thread), then wait briefly for central's verdict."""
        kiosk, session = self.kiosk_app.kiosk, self.session
        if session is None:
            return
        token = self._begin("sending", N_("Saving your supplement…"))

        def work() -> tuple[SupplementReceipt, Verdict]:
            receipt = kiosk.submit_supplement(session)
            return receipt, kiosk.await_supplement(session.record_id)
        self._run(token, work, self._stored)

    def _stored(self, result: tuple[SupplementReceipt, Verdict]) -> None:
        """Print the receipt unless central refused the supplement, which the citizen is told in words."""
        receipt, verdict = result
        if verdict.taken is False:
            self._tell(told(verdict.reason), "card")
            return
        self.receipt = replace(receipt, delivered=bool(verdict.taken))
        kiosk, lang, printed = self.kiosk_app.kiosk, self.kiosk_app.lang, self.receipt
        token = self._begin("done", N_("Printing your supplement receipt…"))
        self._run(token, lambda: kiosk.print_supplement(printed, lang),
                  lambda _r: self._tell(N_("Please take your supplement receipt."), "done"),
                  lambda _exc: self._tell(N_("Your supplement is saved, but the receipt could not be printed. "
                                             "Please ask at a service window."), "done"))

    def _draw_done(self) -> None:
        """Show what the receipt says happens next."""
        app = self.kiosk_app
        for number, step in enumerate(next_steps(self.receipt, app.lang) if self.receipt else [], 1):
            self._add(Body(text=f"{number}. {step}"))

    def _begin(self, step: str, said: str | Text, *, spoken: bool = True) -> int:
        """Enter a step that waits for background work (saying its message when ``spoken``); return its token."""
        self.token += 1
        self.step, self.said = step, said
        self.show()
        if spoken:
            self.kiosk_app.speak(self.ids.message.text)
        return self.token

    def _run(self, token: int, work: Callable[[], object], done: Callable[..., None],
             failed: Callable[[Exception], None] | None = None) -> None:
        """Run ``work`` off the UI thread; drop its result if the citizen moved on meanwhile."""
        def current() -> bool:
            return token == self.token and self.manager.current == self.name

        bridge.run(work, lambda result: done(result) if current() else None,
                   lambda exc: (failed or self._failed)(exc) if current() else None)

    def _failed(self, exc: Exception) -> None:
        """Say why in words: the card (not read), the supplement (refused here), or anything else."""
        if isinstance(exc, SupplementRefused):
            self._tell(told(exc.code.value), "card")
            return
        problem = exc.problem if isinstance(exc, CardNotRead) else ReadProblem.UNREADABLE
        self._tell(MESSAGES[problem], "card")

    def _tell(self, said: str | Text, step: str | None = None) -> None:
        """Show (and say) a step's message."""
        self.step, self.said = step or self.step, said
        self.show()
        self.kiosk_app.speak(self.ids.message.text)

    def _add(self, widget: object) -> None:
        """Add a widget to the step's content."""
        self.ids.content.add_widget(widget)

    def back(self) -> None:
        """Go back a step (from the confirmation to the ways, from the ways to the list); else leave, forgetting all."""
        several = self.session is not None and len(self.session.pending) > 1
        if self.step == "confirm":
            self._tell(N_("For each material, choose how you supplement it."), "ways")
        elif self.step == "ways" and several:
            self._tell(N_("Choose the application to supplement."), "choose")
        else:
            self.kiosk_app.end_session()  # the card's number goes with the session

    def wipe(self) -> None:
        """Forget the card's number, the choices and the receipt; drop work still under way."""
        self.token += 1
        self.session, self.receipt = None, None
        self.step, self.said = "card", PLACE_CARD
        if "content" in self.ids:
            discard(self.ids.content)
            self.ids.message.text = ""

