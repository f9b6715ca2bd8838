"""The optional-dependency sets (pyproject.toml): which import needs which extra, and the one line that says so.

A terminal installs `yichuang[kiosk]`, a central server `yichuang[central]`: a command of the other role
stops at its first import of a package it lacks, and the operator reads which extra to install (exit 2).
"""

from __future__ import annotations

import click

EXIT_MISSING_EXTRA = 2  # an installation mistake, as any operator mistake

EXTRA_OF = {  # top-level import name -> the extra whose distribution provides it
    "jieba": "kiosk",
    "kivy": "kiosk",
    "pypinyin": "kiosk",
    "smartcard": "kiosk",
    "serial": "kiosk",
    "escpos": "kiosk",
    "usb": "kiosk",  # python-escpos's USB printers (pyusb)
    "Xlib": "kiosk",
    "fastapi": "central",
    "httpx": "central",
    "starlette": "central",
    "jinja2": "central",
    "orjson": "central",
    "prometheus_client": "central",
    "psycopg": "central",
    "multipart": "central",
    "python_multipart": "central",
    "uvicorn": "central",
}


class MissingExtra(click.ClickException):
    """A command needs a package of an extra this installation lacks."""

    exit_code = EXIT_MISSING_EXTRA

    def __init__(self, extra: str) -> None:
        """Name the extra and how to install it."""
        super().__init__(f"this command needs the {extra} extra: pip install 'yichuang[{extra}]'")
        self.extra = extra


def missing_extra(exc: ModuleNotFoundError) -> MissingExtra | None:
    """Return the error naming the extra that provides the module ``exc`` could not find, if an extra does."""
    extra = EXTRA_OF.get((exc.name or "").partition(".")[0])
    return MissingExtra(extra) if extra else None
