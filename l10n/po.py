"""gettext catalogs read from their .po files at start: the .po is the only source in the tree (no compiled .mo).

The reader takes what these catalogs use: a header, ``msgid``/``msgstr`` pairs of C-escaped strings
split over lines, comments and flags. Like ``msgfmt``, it leaves out fuzzy entries and empty
translations; a plural or context entry is refused. It replaces Babel on the kiosk's start path
(Babel's import and compile took ~50 ms of the first frame); tests check it against Babel.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
ESCAPE = re.compile(r"\\(.)")


class PoTranslations(gettext.NullTranslations):
    """A catalog's translations by msgid (untranslated msgids stay as they are)."""

    def __init__(self, messages: dict[str, str]) -> None:
        """Hold ``messages``."""
        super().__init__()
        self.messages = messages

    def gettext(self, message: str) -> str:
        """Return the translation of ``message``, or ``message`` itself."""
        return self.messages.get(message, message)


def compile_po(path: Path, locale: str) -> gettext.NullTranslations:
    """Return the catalog at ``path`` (the msgids themselves when there is no such file); ``locale`` names it."""
    if not path.exists():
        return gettext.NullTranslations()
    return PoTranslations(read_po(path.read_text(encoding="utf-8"), f"{path} ({locale})"))


def read_po(text: str, name: str) -> dict[str, str]:
    """Return the translated messages of a .po file's ``text`` (``name`` says which file in an error)."""
    messages: dict[str, str] = {}
    entry: dict[str, str] = {}
    key, fuzzy = "", False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith('"') and key:
            entry[key] += _unquoted(line, name, number)
            continue
        if "msgstr" in entry and (line.startswith(("#", "msgid")) or not line):  # the next entry begins
            _keep(messages, entry, fuzzy)
            entry, key, fuzzy = {}, "", False
        if not line:
            continue
        if line.startswith("#"):
            fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in {flag.strip() for flag in line[2:].split(",")})
            continue
        key, _, rest = line.partition(" ")
        if key not in {"msgid", "msgstr"}:
            raise ValueError(f"{name}:{number}: {key!r} entries are not supported")
        entry[key] = _unquoted(rest, name, number)
    _keep(messages, entry, fuzzy)
    return messages


def _keep(messages: dict[str, str], entry: dict[str, str], fuzzy: bool) -> None:
    """Add an entry to ``messages`` when it is translated, not fuzzy, and not the header."""
    if entry.get("msgid") and entry.get("msgstr") and not fuzzy:
        messages[entry["msgid"]] = entry["msgstr"]


def _unquoted(quoted: str, name: str, number: int) -> str:
    """Return a .po string's text: the quotes removed, the C escapes replaced."""
    if len(quoted) < 2 or not quoted.startswith('"') or not quoted.endswith('"'):
        raise ValueError(f"{name}:{number}: a quoted string expected")
    return ESCAPE.sub(lambda m: ESCAPES.get(m.group(1), m.group(0)), quoted[1:-1])
