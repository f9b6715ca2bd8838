"""gettext catalogs compiled from their .po files in memory (Babel): the .po is the only source in the tree."""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_po(path: Path, locale: str) -> gettext.NullTranslations:
    """Return the catalog at ``path`` compiled (the msgids themselves when there is no such file)."""
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
