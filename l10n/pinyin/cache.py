"""Where the compiled index lives (a private cache folder) and how it comes to be there, once."""

from __future__ import annotations

from pathlib import Path

from l10n.cachefiles import building, cache_folder, remove_stale
from l10n.pinyin.layout import signature

PREFIX, SUFFIX = "index-", ".bin"


def default_index_path() -> Path:
    """Return where the index of the installed jieba and pypinyin belongs (a hash of them names the file)."""
    return cache_folder("pinyin") / f"{PREFIX}{signature()}{SUFFIX}"


def ensure_index(path: Path | None = None) -> Path:
    """Return the index file at ``path`` (default: default_index_path()), building it first if it is missing.

    Callers at the same moment build it once: the others wait on a lock, then find it. A
    build into the default folder removes the indexes of earlier versions.
    """
    target = path or default_index_path()
    if target.exists():
        return target
    from l10n.pinyin.build import build_index  # noqa: PLC0415 - pypinyin's tables load only for a build

    with building(target):
        if not target.exists():
            build_index(target)
            if path is None:
                remove_stale(target, PREFIX, SUFFIX)
    return target
