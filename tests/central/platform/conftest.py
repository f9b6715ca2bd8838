"""Fixtures the ingest tests share: LC0001's registered signing key (over each module's own ``central``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from demo.devstack import ScratchPki
from tests.sync.stack import Central


@pytest.fixture
def signer(tmp_path: Path, central: Central) -> ec.EllipticCurvePrivateKey:
    """Return LC0001's key, its certificate registered at ``central``."""
    cert, _, key = ScratchPki(tmp_path / "pki").issue("LC0001")
    central.ingest.registry.add("LC0001", cert.read_bytes())
    return key
