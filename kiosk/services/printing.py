"""Use case: print an application's receipt; the application is stored first, so a printer failure loses nothing."""

from __future__ import annotations

from domain.receipt import Receipt, layout
from domain.text import Lang
from drivers.printer.port import Printer


def print_receipt(printer: Printer, receipt: Receipt, lang: Lang) -> None:
    """Lay ``receipt`` out for the printer's paper in ``lang`` and print it (a PrinterError when it did not print)."""
    printer.print_lines(layout(receipt, lang, printer.columns))
