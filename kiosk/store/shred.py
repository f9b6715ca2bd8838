"""Destroy a store for good: its key-encryption key first (crypto-shredding), then every file it left.

Every record is encrypted under a data key wrapped by the KEK: once the KEK (key file, TPM
sealed blob or passphrase salt) is gone, nothing in the database can be read, even from a copy.
The database, its WAL/SHM and any quarantined copy are then overwritten and removed too.
Each step skips what is gone already, so an interrupted shred completes when run again.
"""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.config import StoreSection

CHUNK = 1 << 20
MARKERS = (".decommissioned", ".decommissioning", ".told")  # sync/decommission.py's progress, never shredded


def shred_file(path: Path) -> bool:
    """Overwrite ``path`` with random bytes, sync, and remove it; return False if it was not there."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    with path.open("r+b") as out:
        written = 0
        while written < size:
            written += out.write(os.urandom(min(CHUNK, size - written)))
        out.flush()
        os.fsync(out.fileno())
    path.unlink()
    return True


def key_files(section: StoreSection) -> list[Path]:
    """Return the files that hold or unlock the store's KEK, for the configured provider."""
    if section.key_provider == "tpm":
        return sorted(p for p in section.tpm_dir.glob("*") if p.is_file()) if section.tpm_dir.is_dir() else []
    if section.key_provider == "passphrase":
        return [section.path.with_name(section.path.name + ".salt")]
    return [section.key_file]


def store_files(path: Path) -> list[Path]:
    """Return the database ``path``, its journals and every quarantined copy of it that exist."""
    siblings = path.parent.glob(f"{path.name}*") if path.parent.is_dir() else []
    return sorted(p for p in siblings if p.is_file() and not p.name.endswith(MARKERS))


def shred_store(section: StoreSection) -> tuple[int, int]:
    """Destroy the KEK, then the store's files; return how many key files and store files were removed."""
    keys = sum(shred_file(p) for p in key_files(section))
    files = sum(shred_file(p) for p in store_files(section.path))
    return keys, files
