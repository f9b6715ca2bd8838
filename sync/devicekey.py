"""The terminal's identity destroyed: the device key and its certificate overwritten and removed.

The device key's password (derived from the store's device secret) is in protocol/keypass.py.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.store.shred import shred_file


def destroy_device_key(key_file: Path, cert_file: Path) -> int:
    """Overwrite and remove the device key and its certificate (the terminal's identity); return how many files."""
    return sum(shred_file(path) for path in (key_file, cert_file))
