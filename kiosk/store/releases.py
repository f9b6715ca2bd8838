"""The terminal's catalog releases on disk: content-addressed chunks, staged and active releases, rollback.

Layout below the releases directory (``[catalog] releases``)::

    chunks/<sha256>          every chunk the terminal holds, named by its hash (fetched once, shared by releases)
    releases/<name>/         an assembled, verified catalog directory and its signed ``manifest.json``
    state.json               {"current", "previous", "staged", "serial", "refused"}

A release is verified (signature, serial newer than any accepted before, every chunk's hash,
the catalog loads and hashes to the manifest's content hash) and *staged*; the kiosk activates a
staged release between citizen sessions, never inside one. The previous release stays for
rollback; every other release and any chunk no kept release needs is pruned. Every write is a
whole file renamed into place, so a power cut leaves the old state or the new one.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from domain.catalog_loader import load_catalog
from domain.catalog_reader import CatalogError
from protocol.release import CHUNK_BYTES, MAX_MANIFEST_BYTES, Manifest, ReleaseError, assemble, digest, open_manifest

MANIFEST = "manifest.json"


@dataclass
class ReleaseState:
    """Which releases the terminal serves, keeps and has refused."""

    current: str | None = None
    previous: str | None = None
    staged: str | None = None
    serial: int = 0  # the highest serial ever staged: older or equal ones are refused
    refused: dict[str, Any] | None = None  # the last refusal: reason, message, serial


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a synced temporary file renamed into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _manifest_in(folder: Path) -> Manifest:
    """Read the manifest of a release this store verified and wrote (its signature was checked then)."""
    envelope = json.loads((folder / MANIFEST).read_bytes())
    return Manifest.model_validate_json(envelope["manifest"])


class ReleaseStore:
    """The releases directory of one terminal."""

    def __init__(self, root: Path) -> None:
        """Use ``root`` (created on first write)."""
        self.root = root
        self.chunks = root / "chunks"
        self.releases = root / "releases"

    def state(self) -> ReleaseState:
        """Return the recorded state (empty when nothing was ever installed)."""
        path = self.root / "state.json"
        try:
            return ReleaseState(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return ReleaseState()
        except (ValueError, TypeError):  # written atomically, so only a disk fault or a hand edit damages it
            raise ReleaseError("state", f"{path} is damaged: install the latest release again "
                                        f"(`yichuang catalog install`) after removing it") from None

    def _save(self, state: ReleaseState) -> None:
        """Record ``state`` atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.root / "state.json", json.dumps(asdict(state), sort_keys=True).encode())

    def current(self) -> Path | None:
        """Return the active release's catalog directory, or None when the terminal serves its installed catalog."""
        name = self.state().current
        return self.releases / name if name else None

    def serving(self) -> Manifest | None:
        """Return the active release's manifest, or None when the terminal serves its installed catalog."""
        current = self.current()
        if current is None:
            return None
        return _manifest_in(current)

    def verify_current(self, key: ed25519.Ed25519PublicKey) -> Manifest | None:
        """Check the active release again: its manifest's signature, and its catalog on disk against the manifest."""
        name = self.state().current
        return self.verify(name, key) if name else None

    def verify_previous(self, key: ed25519.Ed25519PublicKey) -> Manifest | None:
        """Check the release a rollback would serve (None: a rollback serves the installed catalog)."""
        name = self.state().previous
        return self.verify(name, key) if name else None

    def verify(self, name: str, key: ed25519.Ed25519PublicKey) -> Manifest:
        """Check release ``name``: its manifest's signature, and its catalog on disk against the manifest."""
        folder = self.releases / name
        manifest = open_manifest((folder / MANIFEST).read_bytes(), key)
        try:
            catalog = load_catalog(folder)
        except CatalogError as exc:
            raise ReleaseError("catalog", f"release {name}'s catalog does not load: {exc}") from None
        if catalog.content_hash != manifest.content_hash:
            raise ReleaseError("catalog", f"release {name}'s files were changed after it was verified")
        return manifest

    def missing(self, manifest: Manifest) -> set[str]:
        """Return the digests of the chunks ``manifest`` needs that the terminal does not hold."""
        return {name for name in manifest.digests() if not (self.chunks / name).is_file()}

    def put_chunk(self, data: bytes) -> str:
        """Keep one chunk under its hash (idempotent); return the hash."""
        if len(data) > CHUNK_BYTES:
            raise ReleaseError("chunk", f"a chunk of {len(data)} bytes is larger than {CHUNK_BYTES}")
        name = digest(data)
        target = self.chunks / name
        if not target.is_file():
            self.chunks.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, data)
        return name

    def stage(self, payload: bytes, key: ed25519.Ed25519PublicKey, hall: str | None = None) -> Manifest:
        """Verify the signed manifest ``payload`` and its chunks, assemble the catalog and stage it.

        A refusal is recorded (for the heartbeat and the technician) and raised; the active release is untouched.
        """
        try:
            manifest = open_manifest(payload, key)
            self._check_newer(manifest, hall)
            self._assemble(manifest, payload)
        except ReleaseError as exc:
            self.record_refusal(exc, payload)
            raise
        state = self.state()
        state.staged, state.serial, state.refused = manifest.name(), manifest.serial, None
        self._save(state)
        self._prune(state, chunks=True)
        return manifest

    def stage_folder(self, folder: Path, key: ed25519.Ed25519PublicKey, hall: str | None = None) -> Manifest:
        """Stage the release in ``folder`` (``manifest.json`` and ``chunks/``, as central writes it to a USB stick)."""
        with (folder / MANIFEST).open("rb") as handle:
            payload = handle.read(MAX_MANIFEST_BYTES + 1)
        try:
            manifest = open_manifest(payload, key)
            for name in sorted(self.missing(manifest)):
                chunk = folder / "chunks" / name
                if not chunk.is_file() or chunk.stat().st_size > CHUNK_BYTES:
                    raise ReleaseError("chunk", f"chunk {name[:12]} is missing from {folder / 'chunks'}")
                if self.put_chunk(chunk.read_bytes()) != name:
                    raise ReleaseError("chunk", f"chunk {name[:12]} in {folder / 'chunks'} does not match its hash")
        except ReleaseError as exc:
            self.record_refusal(exc, payload)
            raise
        return self.stage(payload, key, hall)

    def _check_newer(self, manifest: Manifest, hall: str | None) -> None:
        """Refuse a release this terminal has passed (a downgrade or a replay) or one not made for its hall."""
        serial = self.state().serial
        if manifest.serial <= serial:
            raise ReleaseError("downgrade", f"release {manifest.serial} is not newer than release {serial}, "
                                            "which this terminal already has")
        if hall is not None and manifest.halls and hall not in manifest.halls:
            raise ReleaseError("catalog", f"release {manifest.serial} does not serve this terminal's hall {hall}")

    def _assemble(self, manifest: Manifest, payload: bytes) -> None:
        """Build the release's catalog directory from the chunks held and check that it loads as the manifest says."""
        files = assemble(manifest, self._held(manifest))
        target = self.releases / manifest.name()
        staging = self.releases / f".{manifest.name()}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        for path, data in files.items():
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            (staging / path).write_bytes(data)
        try:
            catalog = load_catalog(staging)
        except CatalogError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise ReleaseError("catalog", f"the release's catalog does not load: {exc}") from None
        if (catalog.content_hash, catalog.meta.id, catalog.version) != (
                manifest.content_hash, manifest.catalog, manifest.version):
            shutil.rmtree(staging, ignore_errors=True)
            raise ReleaseError("catalog", "the release's catalog is not the one its manifest names")
        _write_atomically(staging / MANIFEST, payload)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)

    def _held(self, manifest: Manifest) -> dict[str, bytes]:
        """Return the chunks of ``manifest`` held on disk; a damaged one is deleted, so it is fetched again."""
        held = {}
        for name in manifest.digests() - self.missing(manifest):
            data = (self.chunks / name).read_bytes()
            if digest(data) == name:
                held[name] = data
            else:
                (self.chunks / name).unlink(missing_ok=True)
        return held

    def record_refusal(self, error: ReleaseError, payload: bytes) -> None:
        """Record the last refusal: its reason, message and the size of what was offered."""
        state = self.state()
        state.refused = {"reason": error.reason, "message": str(error)[:300], "bytes": len(payload)}
        self._save(state)

    def activate_staged(self) -> str | None:
        """Make the staged release the active one (between sessions); return its name, or None if none waits."""
        state = self.state()
        if state.staged is None:
            return None
        state.previous, state.current, state.staged = state.current, state.staged, None
        self._save(state)
        self._prune(state)
        return state.current

    def rollback(self) -> str | None:
        """Serve the previous release again (None: the installed catalog); refuse when none is active."""
        state = self.state()
        if state.current is None:
            raise ReleaseError("rollback", "no release is active: the terminal already serves its installed catalog")
        state.current, state.previous, state.staged = state.previous, None, None
        self._save(state)
        self._prune(state)
        return state.current

    def _prune(self, state: ReleaseState, chunks: bool = False) -> None:
        """Delete releases that are neither current, previous nor staged; with ``chunks``, chunks none of those needs.

        Only the process that fetches and stages (the sync agent) prunes chunks, so the kiosk's switch
        between sessions never deletes a chunk a fetch in progress has just written.
        """
        keep = {name for name in (state.current, state.previous, state.staged) if name}
        needed: set[str] = set()
        for folder in self.releases.glob("*") if self.releases.is_dir() else []:
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            needed |= _manifest_in(folder).digests()
        for chunk in self.chunks.glob("*") if chunks and self.chunks.is_dir() else []:
            if chunk.name not in needed:
                chunk.unlink(missing_ok=True)
