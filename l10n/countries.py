"""Country and region names for the codes an identity card holds (国籍), from pycountry's ISO 3166-1 data."""

from __future__ import annotations

import functools
import gettext

import pycountry

from domain.text import Text


@functools.cache
def _chinese() -> gettext.NullTranslations:
    """Return pycountry's Chinese (zh_CN) translation of the ISO 3166-1 names."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


def country(code: str) -> Text | None:
    """Return the name of a country by its ISO 3166-1 alpha-3 (CAN) or numeric (124) code; None if unknown."""
    code = code.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalnum():
        return None
    found = pycountry.countries.get(numeric=code) if code.isdigit() else pycountry.countries.get(alpha_3=code)
    if found is None:
        return None
    english = getattr(found, "common_name", None) or found.name
    return Text(_chinese().gettext(found.name), english)
