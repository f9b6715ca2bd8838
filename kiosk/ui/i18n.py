"""UI text through gettext catalogs: msgids in English, zh_CN the default, compiled from the .po at start.

The .po files are the only source (no compiled .mo in the tree): ``l10n.po`` reads them at start
into ``gettext`` translations. Catalog content (item names, guides, validation
messages) is bilingual data and comes through ``Text.get`` instead.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from domain.text import Lang
from l10n.po import compile_po

LOCALES = Path(__file__).parent / "locale"
DOMAIN = "kiosk"
CATALOG_NAMES: dict[Lang, str] = {"zh": "zh_CN", "en": "en"}


def po_path(lang: Lang) -> Path:
    """Return the .po file of ``lang``."""
    return LOCALES / CATALOG_NAMES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: Lang) -> gettext.NullTranslations:
    """Return the compiled catalog of ``lang`` (English: the msgids themselves, when it has no catalog)."""
    return compile_po(po_path(lang), CATALOG_NAMES[lang])


def tr(msgid: str, lang: Lang) -> str:
    """Return ``msgid`` in ``lang``."""
    return translations(lang).gettext(msgid)


def N_(msgid: str) -> str:  # noqa: N802 - gettext's conventional name for "translate later"
    """Mark ``msgid`` for the catalog where it is defined; translate it where it is shown."""
    return msgid
