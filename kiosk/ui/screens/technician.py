"""The technician screen: backlog, recent warnings (codes and times only), paper, test page, self-test, exit.

It never shows an application's content: only counts from the store and the kinds of its events.
"Paper replaced" asks the printer's sensors again at once (they, not a button, say whether paper
is there), so a terminal stopped for want of paper takes applications again without waiting.
The self-test runs the checks of `yichuang selftest` on the kiosk's own devices, lists each part
passed or failed with what to do, prints the report and records it for the heartbeat. Maintenance
switched on here stops the terminal taking citizens (its out-of-service screen says so) until it is
switched off here; the heartbeat reports it, so the fleet shows maintenance and raises no alert.
"""

from __future__ import annotations

from typing import Any

from kiosk.services import printing
from kiosk.services.identify import ReadProblem
from kiosk.services.selftest import Check
from kiosk.services.technician_access import audit, sync_backlog
from kiosk.ui import bridge
from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import Body

load_kv(__file__)

RECENT = 5  # how many recent warnings the screen lists
PARTS = {"card_reader": N_("Card reader"), "printer": N_("Printer"), "broker": N_("Link to central"),
         "clock": N_("Clock"), "disk": N_("Storage space"), "store": N_("Local store"),
         "catalog": N_("Service catalog"), "sound": N_("Sound")}
CARD_TEST = {None: N_("Test card read: the card reader works (nothing of the card is kept or shown)."),
             ReadProblem.NO_CARD: N_("No test card was found in time. Lay it flat on the reader and try again."),
             ReadProblem.LIFTED: N_("The test card moved while it was read. Keep it still and try again."),
             ReadProblem.UNREADABLE: N_("The test card could not be read: try another test card; if that fails too, "
                                        "replace the reader."),
             ReadProblem.READER_DOWN: N_("The card reader does not answer: check its cable and power.")}

UNVERIFIED = N_("The previous catalog did not verify.")
ROLLBACK_REFUSED = {  # by ReleaseError.reason: what the technician reads, in the screen's language
    "fixed": N_("This kiosk serves one fixed catalog: there is nothing to roll back to."),
    "rollback": N_("There is no earlier catalog: the terminal already serves its installed one."),
    "bad_signature": N_("The previous catalog's signature does not verify against this terminal's catalog key."),
    "malformed": N_("The previous catalog's release is damaged."),
    "catalog": N_("The previous catalog's files were changed or do not load."),
    "state": N_("The record of installed catalogs is damaged: install the latest release again."),
}


class TechnicianScreen(KioskScreen):
    """Opened by the right technician PIN; the exit (or the idle timeout) goes back to the citizens' home."""

    name = "technician"
    prompt = "Technician screen"
    waiting = False  # the screen is shown: a card-reader test may wait for its card

    def on_enter(self, *args: Any) -> None:
        """Let a card-reader test wait while the screen is shown."""
        self.waiting = True
        super().on_enter(*args)

    def on_leave(self, *args: Any) -> None:
        """Stop a card-reader test's wait when the screen goes."""
        self.waiting = False
        super().on_leave(*args)

    def show(self) -> None:
        """List the backlog and the recent warnings."""
        app = self.kiosk_app
        store = app.kiosk.store
        content = self.ids.content
        content.clear_widgets()
        count, minutes = sync_backlog(store)
        content.add_widget(Body(text=app.t("Awaiting central's acknowledgement: {count}, the oldest {minutes} min",
                                           app.lang).format(count=count, minutes=minutes)))
        content.add_widget(Body(text=app.t("Service catalog: version {version}", app.lang).format(
            version=app.kiosk.catalog.version)))
        warnings = [e for e in store.events() if e["severity"] in {"warning", "error"}][-RECENT:]
        content.add_widget(Body(text=app.t("Recent warnings:", app.lang)))
        for event in reversed(warnings):
            content.add_widget(Body(text=f"{str(event['at'])[:19]}  {event['kind']}"))
        self._maintenance(app.kiosk.maintenance())

    def _maintenance(self, on: bool) -> None:
        """Label the maintenance switch by what a touch on it does."""
        msgid = N_("End maintenance") if on else N_("Start maintenance (no citizens)")
        self.ids.maintenance.text = self.kiosk_app.t(msgid, self.kiosk_app.lang)

    def switch_maintenance(self) -> None:
        """Switch maintenance at the terminal: no citizens are taken while it is on (the fleet sees it)."""
        app = self.kiosk_app
        kiosk = app.kiosk
        on = not kiosk.maintenance()
        kiosk.switch_maintenance(on)
        self._maintenance(on)
        self._said(N_("In maintenance: the terminal takes no citizens until you end it.") if on else
                   N_("Maintenance ended."))
        app.check_devices()

    def paper_replaced(self) -> None:
        """Record the new roll and poll the printer now, so its paper state is read again."""
        app = self.kiosk_app
        audit(app.kiosk.store, "paper_replaced")
        app.check_devices()

    def test_page(self) -> None:
        """Print the test page off the UI thread; say whether it printed."""
        app = self.kiosk_app
        kiosk = app.kiosk
        audit(kiosk.store, "test_page")
        self.ids.outcome.text = ""

        def work() -> None:
            kiosk.printer.print_lines(printing.test_page(kiosk.terminal_id, kiosk.now(), kiosk.printer.columns))

        bridge.run(work, lambda _: self._said(N_("Test page printed.")),
                   lambda exc: self._said(N_("The test page did not print: {error}"), error=type(exc).__name__))

    def self_test(self) -> None:
        """Run the self-test off the UI thread; list each part's result with what to do."""
        app = self.kiosk_app
        kiosk, lang = app.kiosk, app.lang
        audit(kiosk.store, "self_test")
        self.ids.self_test.disabled = True
        self._said(N_("Self-test running…"))

        def failed(exc: Exception) -> None:
            self.ids.self_test.disabled = False
            self._said(N_("The self-test could not run: {error}"), error=type(exc).__name__)

        bridge.run(lambda: kiosk.self_test(lang), self._tested, failed)

    def card_test(self) -> None:
        """Wait for the test card off the UI thread and say whether it read (never what it holds)."""
        app = self.kiosk_app
        kiosk = app.kiosk
        audit(kiosk.store, "card_test")
        self.ids.card_test.disabled = True
        self._said(N_("Place the test card on the reader."))

        def said(problem: ReadProblem | None) -> None:
            self.ids.card_test.disabled = False
            self._said(CARD_TEST[problem])

        bridge.run(lambda: kiosk.read_test_card(lambda: self.waiting), said,
                   lambda exc: said(ReadProblem.UNREADABLE))

    def roll_back_catalog(self) -> None:
        """Go back to the previous catalog once its signature verifies; the kiosk serves it before the next citizen."""
        app = self.kiosk_app
        kiosk = app.kiosk
        audit(kiosk.store, "catalog_rollback")

        def done(_: str | None) -> None:
            app.between.run()  # no citizen is in a session: the previous catalog is served now
            self._said(N_("Rolled back to the previous catalog."))

        def refused(exc: Exception) -> None:
            why = app.t(ROLLBACK_REFUSED.get(getattr(exc, "reason", ""), UNVERIFIED), app.lang)
            self._said(N_("Not rolled back: {why} The catalog in use stays. Detail: {error}"), why=why,
                       error=str(exc)[:200])

        bridge.run(kiosk.roll_back_catalog, done, refused)

    def reenrolled(self, terminal: str) -> None:
        """After a re-enrollment: say so and run the self-test (a passing one takes the terminal back into service)."""
        self.self_test()
        self._said(N_("Re-enrolled as {terminal}: the link to central restarts with the new certificate. "
                      "Self-test running…"), terminal=terminal)

    def _tested(self, outcome: tuple[list[Check], bool]) -> None:
        """Show each part passed or failed (with its remedy) and whether the report printed."""
        app = self.kiosk_app
        results, printed = outcome
        self.ids.self_test.disabled = False
        content = self.ids.content
        content.clear_widgets()
        for result in results:
            part = app.t(PARTS[result.name], app.lang)
            if result.ok:
                text = app.t("{part}: passed", app.lang).format(part=part)
            else:
                remedy = result.remedy.get(app.lang) if result.remedy else ""
                text = app.t("{part}: FAILED. {remedy}", app.lang).format(part=part, remedy=remedy)
            content.add_widget(Body(text=text))
        failures = sum(not r.ok for r in results)
        self._said(N_("Self-test done: {failed} failed; the report printed.") if printed else
                   N_("Self-test done: {failed} failed; the report did not print."), failed=failures)

    def _said(self, msgid: str, **values: Any) -> None:
        """Show the outcome of an action."""
        self.ids.outcome.text = self.kiosk_app.t(msgid, self.kiosk_app.lang).format(**values)

    def leave(self) -> None:
        """Record the exit and go back to the citizens' home."""
        app = self.kiosk_app
        audit(app.kiosk.store, "exited")
        app.end_session()
