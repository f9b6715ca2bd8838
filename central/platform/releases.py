"""Catalog releases central publishes: archived, signed and written where terminals (and USB sticks) take them.

`yichuang central catalog publish` validates a catalog, archives it (the archive ingest checks
applications against, so a release can never be "published but not archived"), and writes a
signed release under ``<archive>/releases/<name>/``: ``manifest.json`` (signed with the fleet's
catalog-signing key, ``<ca>/signing/catalog.key``) and ``chunks/<sha256>``. That directory is
self-contained: copied to a USB stick, `yichuang catalog install` takes it as it is. Serials come
from ``<archive>/releases/serial`` under a lock, so two publishers never hand out the same one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from central.platform.catalogs import publish
from domain.catalog_loader import load_catalog
from protocol.release import Manifest, ReleaseError, build, file_contents, sign

MANIFEST = "manifest.json"


def _durable(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and flush it to the disk before the release is renamed into place."""
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _next_serial(releases: Path) -> int:
    """Return the serial after the last one handed out (the caller holds the lock)."""
    counter = releases / "serial"
    last = int(counter.read_text(encoding="ascii")) if counter.is_file() else 0
    temporary = releases / ".serial.tmp"
    _durable(temporary, str(last + 1).encode("ascii"))
    temporary.replace(counter)
    return last + 1


def publish_release(source: Path, archive: Path, key: ed25519.Ed25519PrivateKey, halls: tuple[str, ...],
                    now: datetime) -> tuple[Manifest, Path]:
    """Archive the catalog in ``source`` and write its signed release; return the manifest and the release folder."""
    catalog = load_catalog(source)
    for hall in halls:
        if hall not in catalog.halls:
            known = ", ".join(catalog.halls)
            raise ReleaseError("catalog", f"the catalog has no hall profile {hall!r} (it has {known})")
    publish(source, archive)
    releases = archive / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    with (releases / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest, chunks = build(file_contents(source), {
            "catalog": catalog.meta.id, "version": catalog.version, "serial": _next_serial(releases),
            "content_hash": catalog.content_hash, "halls": sorted(halls), "published": now.isoformat()})
        target = releases / manifest.name()
        staging = releases / f".{manifest.name()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "chunks").mkdir(parents=True)
        for name, data in chunks.items():
            _durable(staging / "chunks" / name, data)
        _durable(staging / MANIFEST, sign(manifest, key))
        staging.rename(target)
    return manifest, target


def list_releases(archive: Path) -> list[Manifest]:
    """Return every release in the archive, oldest first (read from the signed manifests central wrote)."""
    found = []
    for folder in (archive / "releases").glob("*/" + MANIFEST):
        envelope = json.loads(folder.read_bytes())
        found.append(Manifest.model_validate_json(envelope["manifest"]))
    return sorted(found, key=lambda manifest: manifest.serial)
