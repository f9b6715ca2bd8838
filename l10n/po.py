"""gettext catalogs compiled from their .po files by Babel once per content, then read by the standard library.

The .po is the only source in the tree (no compiled .mo): Babel compiles it the first time a
version of it is used, into the service's cache (named by the .po's hash, older versions removed),
and every start after reads that .mo with ``gettext.GNUTranslations`` without importing Babel
(~50 ms of the kiosk's first frame). A cache that cannot be written costs a compile at each start.
"""

from __future__ import annotations

import gettext
import hashlib
import struct
from io import BytesIO
from pathlib import Path

from l10n.cachefiles import building, cache_folder, remove_stale, write_whole

UNREADABLE = (OSError, ValueError, IndexError, KeyError, struct.error)  # what GNUTranslations raises on a damaged .mo


def compile_po(path: Path, locale: str) -> gettext.NullTranslations:
    """Return the catalog at ``path`` (the msgids themselves when there is no such file)."""
    if not path.exists():
        return gettext.NullTranslations()
    source = path.read_bytes()
    prefix = f"{path.stem}-{locale}-"
    cached = cache_folder("gettext") / f"{prefix}{hashlib.sha256(source).hexdigest()[:16]}.mo"
    loaded = _read_mo(cached)
    if loaded is not None:
        return loaded
    compiled = _compiled(source, locale)
    try:
        with building(cached):
            write_whole(cached, compiled)
        remove_stale(cached, prefix, ".mo")
    except OSError:
        pass  # a read-only cache: compiled again at the next start
    return gettext.GNUTranslations(BytesIO(compiled))


def _read_mo(cached: Path) -> gettext.GNUTranslations | None:
    """Return the cached compiled catalog, or None when there is none (or it is damaged: compiled again)."""
    try:
        with cached.open("rb") as mo:
            return gettext.GNUTranslations(mo)
    except UNREADABLE:
        return None


def _compiled(source: bytes, locale: str) -> bytes:
    """Compile a .po file's bytes into a .mo file's bytes with Babel."""
    from babel.messages.mofile import write_mo  # noqa: PLC0415 - only when a catalog changed: off the kiosk's start
    from babel.messages.pofile import read_po  # noqa: PLC0415

    catalog = read_po(BytesIO(source), locale=locale)
    out = BytesIO()
    write_mo(out, catalog)
    return out.getvalue()
