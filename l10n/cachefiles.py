"""Private cache files built once per version: the folder, whole-file writes, one builder at a time, stale ones removed.

The pinyin index and the handwriting atlas live here; each file is named by a signature of what
built it, so a new version is a new file and the old ones go.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def cache_folder(name: str) -> Path:
    """Return ``name``'s folder in the service's cache (systemd's CACHE_DIRECTORY), else in the user's."""
    base = os.environ.get("CACHE_DIRECTORY") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base.split(":")[0]) / "yichuang" / name


def write_whole(out: Path, data: bytes) -> Path:
    """Write ``data`` to ``out`` so that it appears whole or not at all; return ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return out


@contextmanager
def building(target: Path) -> Iterator[None]:
    """Hold ``target``'s build lock (callers at the same moment build it once: the others wait, then find it)."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # private, like python-escpos's cache
    with open(target.parent / f".{target.name}.lock", "a", opener=_private) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def remove_stale(current: Path, prefix: str, suffix: str) -> None:
    """Remove the files (and their locks) of other versions beside ``current``."""
    for old in current.parent.glob(f"{prefix}*{suffix}"):
        if old != current:
            old.unlink(missing_ok=True)
            (old.parent / f".{old.name}.lock").unlink(missing_ok=True)


def _private(path: str, flags: int) -> int:
    """Open ``path`` as only its owner may read it (mode 0600 when created)."""
    return os.open(path, flags, 0o600)
