"""Releases for tests: the sample catalog (or a changed copy) built, signed with a fresh catalog key, chunks in a dict."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from protocol.release import Manifest, build, file_contents, sign


@dataclass
class Publisher:
    """A catalog-signing key and the serials it has used, as central holds them."""

    key: ed25519.Ed25519PrivateKey = field(default_factory=ed25519.Ed25519PrivateKey.generate)
    serial: int = 0

    def release(self, source: Path = SAMPLE_CATALOG, halls: tuple[str, ...] = ()) -> tuple[bytes, Manifest,
                                                                                           dict[str, bytes]]:
        """Build and sign the next release of ``source``; return the signed manifest, the manifest and its chunks."""
        self.serial += 1
        catalog = load_catalog(source)
        manifest, chunks = build(file_contents(source), {
            "catalog": catalog.meta.id, "version": catalog.version, "serial": self.serial,
            "content_hash": catalog.content_hash, "halls": list(halls), "published": "2026-12-02T10:00:00+08:00"})
        return sign(manifest, self.key), manifest, chunks


def changed_catalog(tmp: Path, version: str = "2026.12-b") -> Path:
    """Copy the sample catalog and change its version and one item's promised days: a one-item change."""
    target = tmp / f"catalog-{version}"
    shutil.copytree(SAMPLE_CATALOG, target)
    meta = target / "catalog.toml"
    text = meta.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("version"))
    meta.write_text(text.replace(old, f'version = "{version}"'), encoding="utf-8")
    item = target / "items" / "tax.toml"
    body = item.read_text(encoding="utf-8")
    item.write_text(body.replace("promised_limit_days = 0", "promised_limit_days = 1", 1), encoding="utf-8")
    return target
