"""`yichuang selftest`: every part of this terminal checked, each pass or fail with what to do (exit 1 on a failure).

It opens the devices itself (run it with the kiosk stopped); the technician screen runs the same checks with the
kiosk's own devices (kiosk/services/selftest.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cmdline.base import emit, json_option
from kiosk.cli.context import TerminalContext, pass_terminal

if TYPE_CHECKING:
    from kiosk.services.selftest import Parts
    from kiosk.store.store import Store


def _opened(open_device: Any) -> Any:
    """Return the opened device, or the exception that stopped it opening (that check's failure)."""
    try:
        return open_device()
    except Exception as exc:
        return exc


def _parts(app: TerminalContext, store: Store, test_card: float, test_page: bool) -> Parts:
    """Open this terminal's parts as its configuration names them."""
    from drivers.cardreader.factory import open_card_reader
    from drivers.printer.factory import open_printer
    from drivers.printer.job import TextMode
    from drivers.speech import open_speaker
    from kiosk.services.selftest import Parts
    from kiosk.services.selftest_probes import probes

    config = app.config

    def reader() -> Any:
        device = open_card_reader(config.devices.card_reader)
        device.open()
        return device
    printer = _opened(lambda: open_printer(config.devices.printer, TextMode(config.printer.text_mode),
                                           config.printer.paper_mm, config.printer.charset))
    return Parts(store, _opened(reader), printer, _opened(lambda: open_speaker(config.devices.speaker)),
                 probes(config, store), config.terminal.id, app.now, test_card, test_page)


@click.command("selftest")
@click.option("--test-card", type=click.FloatRange(0, 120), default=0, show_default=True,
              help="Wait this many seconds for a test card on the reader and read it (nothing is kept).")
@click.option("--test-page", is_flag=True, help="Print the test page.")
@click.option("--print", "on_paper", is_flag=True, help="Print this report on the receipt printer too.")
@json_option
@pass_terminal
def selftest(app: TerminalContext, test_card: float, test_page: bool, on_paper: bool, as_json: bool) -> None:
    """Check the card reader, printer, broker, clock, disk, store, catalog and sound; say what to do about failures.

    Run it with the kiosk stopped (a serial reader or printer takes one user at a time).
    """
    from kiosk.services.selftest import print_report, report_lines, run

    store = app.open_store()
    parts = _parts(app, store, test_card, test_page)
    try:
        results = run(parts)
        lang = app.config.terminal.lang
        if on_paper and not isinstance(parts.printer, Exception):
            print_report(parts.printer, results, lang)  # a printer that fails is already in the report
    finally:
        for device in (parts.reader, parts.printer, parts.speaker):
            if device is not None and not isinstance(device, Exception):
                device.close()
        store.close()
    emit([{"name": r.name, "ok": r.ok, "found": r.found, "remedy": r.remedy.get(lang) if r.remedy else None}
          for r in results], as_json, lambda _: "\n".join(report_lines(results, lang)))
    if not all(r.ok for r in results):
        raise click.exceptions.Exit(1)
