"""`yichuang printer …`: status, test page, sample receipts and previews for receipt printers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cmdline.base import emit, json_option, user_errors
from domain.data import EXAMPLES
from kiosk.cli.context import TerminalContext, pass_terminal

if TYPE_CHECKING:
    from domain.receipt import Receipt
    from domain.text import Lang
    from drivers.printer.printer import EscposPrinter

user_errors("drivers.printer.errors.PrinterError")
COLUMNS = {58: 32, 80: 48}

url_option = click.option("--url", required=True, help="Printer URL: tcp://host:9100, serial:///dev/ttyS0?baud=9600, "
                                                       "file:///dev/usb/lp0, usb://VID:PID, sim://")
width_option = click.option("--width", type=click.Choice(["58", "80"]),
                            help="Paper width in mm, 32 or 48 columns (default: printer.paper_mm).")
mode_option = click.option("--text-mode", type=click.Choice(["native", "raster"]),
                           help="Chinese mode text or raster lines (default: printer.text_mode).")


def _open(app: TerminalContext, url: str, width: str | None, text_mode: str | None) -> tuple[EscposPrinter, int]:
    """Open the printer with the command's options over the terminal's printer settings."""
    from drivers.printer.factory import open_printer
    from drivers.printer.job import TextMode

    section = app.config.printer
    paper = int(width) if width else section.paper_mm
    printer = open_printer(url, TextMode(text_mode or section.text_mode), paper, section.charset)
    return printer, COLUMNS[paper]


def sample_receipt(app: TerminalContext) -> Receipt:
    """Build the receipt of the scripted SB-001 example application (nothing is stored)."""
    from kiosk.services.preview import preview_application

    example = json.loads((EXAMPLES / "sb-001.json").read_text(encoding="utf-8"))
    result = preview_application(
        app.catalog, hall_id=app.config.terminal.hall, terminal_id=app.config.terminal.id, code=example["code"],
        answers=example["answers"], deferred=frozenset(example.get("defer", [])), now=app.now(),
    )
    if result.receipt is None:
        raise click.ClickException("the sample application no longer validates against this catalog")
    return result.receipt


@click.group("printer")
def printer_group() -> None:
    """Check and use receipt printers."""


@printer_group.command("status")
@url_option
@json_option
def status(url: str, as_json: bool) -> None:
    """Ask the printer for its state (DLE EOT); exit 1 unless it is ready to print."""
    from drivers.printer.factory import open_printer
    from drivers.status import DeviceState

    printer = open_printer(url)
    snapshot = printer.status()
    printer.close()
    emit(snapshot.as_dict(), as_json, lambda d: f"{d['state']} paper={d['media'].get('paper')} "
                                                f"cover={d['media'].get('cover', 'unknown')}"
                                                + (f" ({d['error']['message']})" if d["error"] else ""))
    if snapshot.state is not DeviceState.ONLINE:
        raise click.exceptions.Exit(1)


@printer_group.command("test-page")
@url_option
@width_option
@mode_option
@pass_terminal
def test_page_command(app: TerminalContext, url: str, width: str | None, text_mode: str | None) -> None:
    """Print the technician's test page."""
    from kiosk.services.printing import test_page

    printer, columns = _open(app, url, width, text_mode)
    try:
        printer.print_lines(test_page(app.config.terminal.id, app.now(), columns))
    finally:
        printer.close()
    click.echo("test page printed")


@printer_group.command("print-receipt")
@url_option
@width_option
@click.option("--sample", is_flag=True, required=True, help="Print the sample receipt (SB-001 example).")
@mode_option
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@pass_terminal
def print_receipt(app: TerminalContext, *, url: str, width: str | None, sample: bool, text_mode: str | None,
                  lang: Lang) -> None:
    """Print a sample receipt."""
    from domain.receipt import layout

    printer, columns = _open(app, url, width, text_mode)
    try:
        printer.print_lines(layout(sample_receipt(app), lang, columns))
    finally:
        printer.close()
    click.echo("receipt printed")


@printer_group.command("preview")
@click.option("--sample", is_flag=True, required=True, help="Preview the sample receipt (SB-001 example).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="PNG file to write.")
@width_option
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@pass_terminal
def preview(app: TerminalContext, sample: bool, out: Path, width: str | None, lang: Lang) -> None:
    """Draw the sample receipt as a PNG, as the printer prints it."""
    from domain.receipt import layout
    from drivers.printer.preview import items_from_lines, save_png

    columns = COLUMNS[int(width) if width else app.config.printer.paper_mm]
    save_png(items_from_lines(layout(sample_receipt(app), lang, columns)), out, columns)
    click.echo(str(out))
