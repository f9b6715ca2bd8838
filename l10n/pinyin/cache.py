"""Where the compiled index lives (a private cache folder) and how it comes to be there, once."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from l10n.pinyin.layout import signature

PREFIX, SUFFIX = "index-", ".bin"


def cache_folder() -> Path:
    """Return the index's folder: in the service's cache (systemd's CACHE_DIRECTORY), else the user's."""
    base = os.environ.get("CACHE_DIRECTORY") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base.split(":")[0]) / "yichuang" / "pinyin"


def default_index_path() -> Path:
    """Return where the index of the installed jieba and pypinyin belongs (a hash of them names the file)."""
    return cache_folder() / f"{PREFIX}{signature()}{SUFFIX}"


def ensure_index(path: Path | None = None) -> Path:
    """Return the index file at ``path`` (default: default_index_path()), building it first if it is missing.

    Callers at the same moment build it once: the others wait on a lock, then find it. A
    build into the default folder removes the indexes of earlier versions.
    """
    target = path or default_index_path()
    if target.exists():
        return target
    from l10n.pinyin.build import build_index  # noqa: PLC0415 - pypinyin's tables load only for a build

    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # private, like python-escpos's cache
    with open(target.parent / f".{target.name}.lock", "a", opener=_private) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            build_index(target)
            if path is None:
                _remove_stale(target)
    return target


def _remove_stale(current: Path) -> None:
    """Remove the indexes (and their locks) of other versions beside ``current``."""
    for old in current.parent.glob(f"{PREFIX}*{SUFFIX}"):
        if old != current:
            old.unlink(missing_ok=True)
            (old.parent / f".{old.name}.lock").unlink(missing_ok=True)


def _private(path: str, flags: int) -> int:
    """Open ``path`` as only its owner may read it (mode 0600 when created)."""
    return os.open(path, flags, 0o600)
