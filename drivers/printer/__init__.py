"""Receipt printers: ESC/POS over python-escpos transports, a PNG preview, and an emulator."""

from __future__ import annotations

import os
from pathlib import Path

ESCPOS_CACHE = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def _keep_escpos_cache() -> None:
    """Give python-escpos a private, lasting folder for its parsed printer database.

    Without one it parses its 96 KB printer database (YAML) at every start: about 0.3 s of each
    kiosk start and printer command. The folder is the service's cache (systemd's
    CACHE_DIRECTORY) or the user's, mode 0700: python-escpos loads a pickle from it, so nobody
    else may write there. (It still makes an empty temporary folder per process; the units'
    PrivateTmp keeps those out of the system's /tmp.)
    """
    base = os.environ.get("CACHE_DIRECTORY") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base.split(":")[0]) / "yichuang" / "escpos"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.stat()
    except OSError:
        return  # python-escpos falls back to its temporary folder
    if info.st_uid == os.getuid() and not info.st_mode & 0o077:
        os.environ.setdefault(ESCPOS_CACHE, str(folder))


_keep_escpos_cache()
