"""Receipt printers: ESC/POS over python-escpos transports, a PNG preview, and an emulator."""

from __future__ import annotations

import fcntl
import importlib
import importlib.util
import os
import pickle
import sys
from pathlib import Path

ESCPOS_CACHE = "ESCPOS_CAPABILITIES_PICKLE_DIR"
TORN = (EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, IndexError, KeyError)


def _keep_escpos_cache() -> Path | None:
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
        return None  # python-escpos falls back to its temporary folder
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    os.environ.setdefault(ESCPOS_CACHE, str(folder))
    return folder if os.environ[ESCPOS_CACHE] == str(folder) else None


def _load_escpos_database(folder: Path | None) -> None:
    """Load python-escpos's printer database once, one process at a time, past a torn cache file.

    python-escpos writes its pickle in place (create, parse the YAML, write): a process starting
    beside another read a half-written file and failed to import (EOFError), and a power cut while
    writing would leave a file that fails every start after. So the import holds a lock on the
    folder, and a pickle that does not load is removed and the database parsed again.
    """
    if importlib.util.find_spec("escpos") is None:
        return  # central's role has no printer (it imports only the fonts, for the enrollment sheet)
    if folder is None:
        importlib.import_module("escpos.capabilities")
        return
    with open(folder / "lock", "a+b") as lock:
        os.fchmod(lock.fileno(), 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            importlib.import_module("escpos.capabilities")
        except TORN:
            sys.modules.pop("escpos.capabilities", None)
            for torn in folder.glob("*.capabilities.pickle"):
                torn.unlink()
            importlib.import_module("escpos.capabilities")


_load_escpos_database(_keep_escpos_cache())
