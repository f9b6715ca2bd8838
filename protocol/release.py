"""Signed catalog releases: a manifest of content-addressed chunks, signed with the fleet's catalog-signing key.

A release is what central publishes and every terminal installs (over MQTT or from a USB stick).
The manifest names the catalog (id, version, content hash), the hall profiles it serves, a
``serial`` that only grows (a terminal refuses a serial it has already passed: no downgrade, no
replay), and each file as a list of chunks named by their SHA-256, so a terminal that has most
chunks already fetches only the ones it lacks.

Wire format of a signed manifest: ``{"v": 1, "manifest": "<canonical JSON text>", "sig":
"<base64 Ed25519>"}``; the signature covers ``CONTEXT`` followed by the UTF-8 bytes of ``manifest``.
Nothing in a manifest is read before its signature verifies against the pinned public key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Final

from cryptography.hazmat.primitives.asymmetric import ed25519
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from protocol import signed

VERSION: Final = signed.VERSION
CONTEXT: Final = b"yichuang catalog release v1\n"  # a signature made for anything else never verifies here
CHUNK_BYTES: Final = 64 * 1024
MAX_MANIFEST_BYTES: Final = 256 * 1024
MAX_FILES: Final = 500
MAX_FILE_BYTES: Final = 4 * 1024 * 1024
MAX_RELEASE_BYTES: Final = 32 * 1024 * 1024
FILE_PATTERN: Final = r"^(?:[a-z][a-z0-9_]{0,63}|items/[a-z0-9][a-z0-9_-]{0,63})\.toml$"  # what a catalog holds

Digest = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{64}$")]
Word = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_.:+-]{1,64}$")]


class ReleaseError(ValueError):
    """A release a terminal must not install; the message says why, for the technician and for ops."""

    def __init__(self, reason: str, message: str) -> None:
        """Keep a stable ``reason`` code (bad_signature, malformed, downgrade, chunk, catalog) and the message."""
        super().__init__(message)
        self.reason = reason


class FileEntry(BaseModel):
    """One catalog file: its path in the catalog directory, its size and its chunks in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Annotated[str, StringConstraints(strict=True, pattern=FILE_PATTERN)]
    size: Annotated[int, Field(strict=True, ge=0, le=MAX_FILE_BYTES)]
    chunks: Annotated[tuple[Digest, ...], Field(max_length=MAX_FILE_BYTES // CHUNK_BYTES + 1)]


class Manifest(BaseModel):
    """What a release holds and whom it serves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Annotated[int, Field(strict=True, ge=VERSION, le=VERSION)] = VERSION
    catalog: Word
    version: Word
    serial: Annotated[int, Field(strict=True, ge=1, lt=2**53)]
    content_hash: Annotated[str, StringConstraints(strict=True, pattern=r"^sha256:[0-9a-f]{64}$")]
    halls: Annotated[tuple[Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_.-]{1,64}$")], ...],
                     Field(max_length=200)]
    published: Annotated[str, StringConstraints(strict=True, max_length=40)]
    files: Annotated[tuple[FileEntry, ...], Field(min_length=1, max_length=MAX_FILES)]

    def digests(self) -> set[str]:
        """Return every chunk digest the release needs."""
        return {digest for entry in self.files for digest in entry.chunks}

    def name(self) -> str:
        """Return the release's short name: serial, catalog version and hash prefix."""
        return f"{self.serial}-{self.version}-{self.content_hash.removeprefix('sha256:')[:12]}"


def digest(data: bytes) -> str:
    """Return the hex SHA-256 that names a chunk."""
    return hashlib.sha256(data).hexdigest()


def chunk_file(data: bytes) -> list[bytes]:
    """Split a file into chunks of ``CHUNK_BYTES`` (an empty file has one empty chunk)."""
    return [data[i:i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)] or [b""]


def file_contents(root: Path) -> dict[str, bytes]:
    """Read the catalog files of directory ``root`` that a release carries, keyed by their relative path."""
    allowed = re.compile(FILE_PATTERN)
    found = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*.toml")) if p.is_file()}
    return {name: path.read_bytes() for name, path in found.items() if allowed.match(name)}


def build(files: Mapping[str, bytes], fields: Mapping[str, Any]) -> tuple[Manifest, dict[str, bytes]]:
    """Return the manifest of ``files`` (the other fields from ``fields``) and the chunks it names."""
    chunks: dict[str, bytes] = {}
    entries = []
    for path in sorted(files):
        parts = chunk_file(files[path])
        chunks.update((digest(part), part) for part in parts)
        entries.append({"path": path, "size": len(files[path]), "chunks": [digest(part) for part in parts]})
    try:
        manifest = Manifest.model_validate({**fields, "files": entries})
    except ValidationError as exc:
        raise ReleaseError("malformed", f"the release cannot be built: {_first(exc)}") from None
    return manifest, chunks


def canonical(manifest: Manifest) -> bytes:
    """Serialize a manifest one way only: sorted keys, no spaces, UTF-8."""
    return signed.canonical(manifest.model_dump(mode="json"))


def sign(manifest: Manifest, key: ed25519.Ed25519PrivateKey) -> bytes:
    """Return the signed manifest to publish."""
    return signed.sign("manifest", manifest.model_dump(mode="json"), CONTEXT, key)


def _first(exc: ValidationError) -> str:
    """Return the first problem pydantic found, as 'field: message'."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "manifest"
    return f"{where}: {error['msg']}"


def open_manifest(payload: bytes, key: ed25519.Ed25519PublicKey) -> Manifest:
    """Verify a signed manifest against the pinned catalog key and return it, typed and bounded."""
    try:
        data = signed.verified(payload, "manifest", CONTEXT, key, MAX_MANIFEST_BYTES)
    except signed.SignedError as exc:
        message = "the release's signature is not the fleet's catalog key" if exc.reason == "bad_signature" else (
            f"the manifest is refused: {exc}")
        raise ReleaseError(exc.reason, message) from None
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise ReleaseError("malformed", f"the manifest is malformed: {_first(exc)}") from None
    _check_totals(manifest)
    return manifest


def _check_totals(manifest: Manifest) -> None:
    """Refuse a manifest whose paths repeat or whose files add up to more than a release may hold."""
    paths = [entry.path for entry in manifest.files]
    if len(set(paths)) != len(paths):
        raise ReleaseError("malformed", "the manifest names a file twice")
    if sum(entry.size for entry in manifest.files) > MAX_RELEASE_BYTES:
        raise ReleaseError("malformed", "the release is larger than a catalog may be")


def assemble(manifest: Manifest, chunks: Mapping[str, bytes]) -> dict[str, bytes]:
    """Rebuild every file from ``chunks``, checking each chunk's hash and each file's size."""
    files: dict[str, bytes] = {}
    for entry in manifest.files:
        parts = []
        for name in entry.chunks:
            data = chunks.get(name)
            if data is None:
                raise ReleaseError("chunk", f"chunk {name[:12]} of {entry.path} is missing")
            if digest(data) != name:
                raise ReleaseError("chunk", f"chunk {name[:12]} of {entry.path} does not match its hash")
            parts.append(data)
        files[entry.path] = b"".join(parts)
        if len(files[entry.path]) != entry.size:
            raise ReleaseError("chunk", f"{entry.path} is {len(files[entry.path])} bytes, not {entry.size}")
    return files
