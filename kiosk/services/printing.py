"""Use case: print an application's receipt; the application is stored first, so a printer failure loses nothing."""

from __future__ import annotations

from datetime import datetime

from domain import supplement
from domain.receipt import Line, Receipt, Style, layout
from domain.text import Lang
from drivers.printer.port import Printer


def print_receipt(printer: Printer, receipt: Receipt, lang: Lang) -> None:
    """Lay ``receipt`` out for the printer's paper in ``lang`` and print it (a PrinterError when it did not print)."""
    printer.print_lines(layout(receipt, lang, printer.columns))


def print_supplement_receipt(printer: Printer, receipt: supplement.SupplementReceipt, lang: Lang) -> None:
    """Lay a 补正 receipt out for the paper in ``lang`` and print it (a PrinterError when it did not print)."""
    printer.print_lines(supplement.layout(receipt, lang, printer.columns))


def test_page(terminal_id: str, now: datetime, columns: int) -> list[Line]:
    """Lines of the test page (technician and remote command): Chinese, full-width forms, a rule, a QR code."""
    return [
        Line("打印测试页", Style.TITLE),
        Line("-" * columns, Style.RULE),
        Line(f"终端 {terminal_id}  {now:%Y-%m-%d %H:%M}"),
        Line("中文：一窗受理·一次办好"),
        Line("全角：ＡＢＣ１２３〇"),
        Line("Latin: 0123456789 ABC abc"),
        Line("-" * columns, Style.RULE),
        Line(f"yichuang test page {terminal_id}", Style.QR),
    ]
