"""`yichuang selftest`: every part of this terminal checked, each pass or fail with what to do (exit 1 on a failure).

It lives beside the sync agent because the broker check needs the agent's key handling (sync/devicekey.py).
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

import click

from cmdline.base import emit, json_option
from kiosk.cli.context import TerminalContext, pass_terminal

if TYPE_CHECKING:
    from kiosk.services.selftest import Check, Parts
    from kiosk.store.store import Store


def _render(results: list[Check], lang: str) -> str:
    """One line a check, and the remedy under each failure."""
    lines = []
    for result in results:
        lines.append(f"{'PASS' if result.ok else 'FAIL'}  {result.name:<12} {result.found}")
        if result.remedy is not None:
            lines.append(f"      → {result.remedy.get(lang)}")  # type: ignore[arg-type]
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} passed, {failed} failed")
    return "\n".join(lines)


def _opened(open_device: Any) -> Any:
    """Return the opened device, or the exception that stopped it opening (that check's failure)."""
    try:
        return open_device()
    except Exception as exc:
        return exc


def _parts(app: TerminalContext, store: Store, test_card: float, test_page: bool) -> Parts:
    """Open this terminal's parts as its configuration names them."""
    from domain.data import SAMPLE_CATALOG
    from drivers.cardreader.factory import open_card_reader
    from drivers.printer.factory import open_printer
    from drivers.printer.job import TextMode
    from drivers.speech import open_speaker
    from kiosk.cli.catalog_cmd import signing_key
    from kiosk.services.selftest import Parts
    from protocol.clock import TrustedClock

    config = app.config

    def reader() -> Any:
        device = open_card_reader(config.devices.card_reader)
        device.open()
        return device
    printer = _opened(lambda: open_printer(config.devices.printer, TextMode(config.printer.text_mode),
                                           config.printer.paper_mm, config.printer.charset))
    clock = TrustedClock(config.sync.time_file)
    return Parts(store, _opened(reader), printer, _opened(lambda: open_speaker(config.devices.speaker)),
                 app.releases(), lambda: signing_key(app), config.catalog.path or SAMPLE_CATALOG,
                 lambda: _probe(app, store, clock), clock.system_is_wrong, config.terminal.id, app.now,
                 test_card, test_page)


def _probe(app: TerminalContext, store: Store, clock: Any) -> str | None:
    """Shake hands with the broker as this terminal (no MQTT session: the running sync agent is untouched)."""
    from protocol.address import parse_broker
    from protocol.link import Link
    from protocol.probe import probe_broker
    from sync.devicekey import is_encrypted, key_password

    section = app.config.sync
    host, port = parse_broker(section.broker)
    password = key_password(store.device_secret()) if is_encrypted(section.key_file) else None
    return probe_broker(Link(host, port, str(section.ca_file), str(section.cert_file), str(section.key_file),
                             password), clock)


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
    from kiosk.services.selftest import run

    store = app.open_store()
    parts = _parts(app, store, test_card, test_page)
    try:
        results = run(parts)
        lang = app.config.terminal.lang
        if on_paper and not isinstance(parts.printer, Exception):
            from domain.receipt import Line

            with suppress(Exception):  # a printer that fails is already in the report
                parts.printer.print_lines([Line(line) for line in _render(results, lang).splitlines()])
    finally:
        for device in (parts.reader, parts.printer, parts.speaker):
            if device is not None and not isinstance(device, Exception):
                device.close()
        store.close()
    emit([{"name": r.name, "ok": r.ok, "found": r.found, "remedy": r.remedy.get(lang) if r.remedy else None}
          for r in results], as_json, lambda _: _render(results, lang))
    if not all(r.ok for r in results):
        raise click.exceptions.Exit(1)
