"""The kiosk demo's central: publish a signed catalog change and hand it to the terminal, as a push would.

It runs the real steps — archive and sign a release of a changed copy of the catalog
(central/platform/releases.py), then verify it against the pinned key and stage it in the
terminal's release store (the USB install path, kiosk/store/releases.py). The kiosk window serves
it only between citizen sessions. The demo's catalog-signing key lives in the demo's folder.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from central.platform.releases import publish_release
from kiosk.store.releases import ReleaseStore

MARK = "（新版）"  # added to an item's Chinese name, so the change shows on the kiosk's lists


def signing_key(folder: Path) -> ed25519.Ed25519PrivateKey:
    """Return the demo's catalog-signing key, made on first use."""
    path = folder / "catalog-signing.key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        key = ed25519.Ed25519PrivateKey.generate()
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)
    loaded = serialization.load_pem_private_key(path.read_bytes(), None)
    if not isinstance(loaded, ed25519.Ed25519PrivateKey):
        raise TypeError(f"{path} is not an Ed25519 key")
    return loaded


@dataclass
class DemoCentral:
    """Publishes numbered catalog changes to one terminal's release store."""

    folder: Path
    source: Path
    releases: ReleaseStore
    hall: str

    def _changed(self, number: int) -> Path:
        """Copy the catalog with a new version and the first tax item renamed."""
        target = self.folder / f"catalog-change-{number}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.source, target)
        meta = target / "catalog.toml"
        lines = meta.read_text(encoding="utf-8").splitlines()
        version = next(line for line in lines if line.startswith("version"))
        meta.write_text("\n".join(f'{version[:-1]}-demo{number}"' if line == version else line for line in lines)
                        + "\n", encoding="utf-8")
        item = target / "items" / "tax.toml"
        text = item.read_text(encoding="utf-8")
        start = text.index('name_zh = "') + len('name_zh = "')
        item.write_text(text[:start] + MARK * number + text[start:], encoding="utf-8")
        return target

    def publish(self) -> str:
        """Publish the next change and stage it on the terminal; return what happened, for the panel."""
        key = signing_key(self.folder)
        number = self.releases.state().serial + 1
        manifest, release = publish_release(self._changed(number), self.folder / "archive", key, (self.hall,),
                                            datetime.now(UTC))
        self.releases.stage_folder(release, key.public_key(), self.hall)
        return f"release {manifest.serial} ({manifest.version}) staged:\nthe kiosk switches between sessions"
