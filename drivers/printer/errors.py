"""What a receipt printer can fail with, apart from its transports (light: no python-escpos)."""

from __future__ import annotations

from domain.text import Text


class PrinterError(Exception):
    """Base of printer failures; ``citizen`` is what the screen says."""

    citizen = Text("打印机暂时无法使用，您的回执已保存，可到窗口或稍后补打。",
                   "The printer is not available. Your receipt is saved: staff can print it for you later.")


class PrinterNotReady(PrinterError):
    """Paper out, cover open, offline: checked before printing; nothing was sent."""


class PrintIncomplete(PrinterError):
    """The job was sent but the printer stopped (paper ran out, cover opened) during it."""
