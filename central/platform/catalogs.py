"""Every catalog version central has published: an application is checked against the one it was made under.

A terminal may run an older catalog for days (it syncs catalogs when it can), so central keeps
each published version. The archive is a directory with one catalog directory per version,
named ``{version}-{hash prefix}``; `yichuang central catalog publish` adds one.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

from domain.catalog import Catalog
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from domain.form_check import FormCheck

FORM_CHECKS = 1024  # prepared form checks kept: offerings × the catalog versions terminals still send under


class CatalogArchive:
    """Catalogs by (version, content hash)."""

    def __init__(self, catalogs: list[Catalog]) -> None:
        """Index ``catalogs``."""
        self.catalogs = {(c.version, c.content_hash): c for c in catalogs}
        self._form_checks = functools.lru_cache(maxsize=FORM_CHECKS)(self._prepare)

    @classmethod
    def load(cls, root: Path | None, *extra: Path) -> CatalogArchive:
        """Load every catalog directory below ``root`` (if given) and the ``extra`` ones."""
        folders = sorted(p for p in root.iterdir() if (p / "catalog.toml").is_file()) if root else []
        return cls([load_catalog(folder) for folder in (*folders, *extra)])

    @classmethod
    def published(cls, root: Path | None) -> CatalogArchive:
        """Return the archive below ``root``, or the bundled sample catalog alone when none is given."""
        return cls.load(root) if root else cls.load(None, SAMPLE_CATALOG)

    def newest(self) -> Catalog:
        """Return the catalog of the highest version (its working calendar decides central's deadlines)."""
        return max(self.catalogs.values(), key=lambda c: [int(p) if p.isdigit() else -1 for p in c.version.split(".")])

    def find(self, version: str, content_hash: str) -> Catalog | None:
        """Return the catalog an application names, or None if central never published it."""
        return self.catalogs.get((version, content_hash))

    def form_check(self, catalog: Catalog, code: str) -> FormCheck:
        """Return the answer check of ``code`` under ``catalog``, prepared once per catalog version (KeyError: none)."""
        return self._form_checks(catalog.version, catalog.content_hash, code)

    def cached_form_checks(self) -> int:
        """Return how many prepared form checks are kept (at most FORM_CHECKS)."""
        return self._form_checks.cache_info().currsize

    def _prepare(self, version: str, content_hash: str, code: str) -> FormCheck:
        """Prepare the answer check of ``code`` in the catalog version named."""
        return FormCheck(self.catalogs[(version, content_hash)].offering(code))


def publish(source: Path, root: Path) -> Path:
    """Validate the catalog in ``source`` and copy it into the archive ``root``; return its folder."""
    catalog = load_catalog(source)
    target = root / f"{catalog.version}-{catalog.content_hash.removeprefix('sha256:')[:12]}"
    if not target.exists():
        root.mkdir(parents=True, exist_ok=True)
        staging = root / f".{target.name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(source, staging)
        staging.rename(target)
    return target
