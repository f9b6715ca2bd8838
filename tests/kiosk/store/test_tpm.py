"""The TPM key provider against Debian's swtpm software TPM."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.ports import free_port, free_port_pair
from kiosk.store.errors import KeyProviderError
from kiosk.store.keys import TpmProvider
from kiosk.store.opening import open_store
from tests.kiosk.store.helpers import submit


class SoftTpm:
    """A swtpm process with its own state directory."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def tcti(self) -> str:
        return f"swtpm:host=127.0.0.1,port={self.port}"

    def start(self) -> None:
        """Start swtpm on a free port pair, trying new ports if one is taken meanwhile."""
        swtpm = shutil.which("swtpm")
        assert swtpm, "swtpm is not installed (deps/apt-packages.txt lists it)"
        self.state.mkdir(parents=True, exist_ok=True)
        for _ in range(5):
            self.port = free_port_pair()
            self.process = subprocess.Popen([
                swtpm, "socket", "--tpm2", "--server", f"type=tcp,port={self.port},bindaddr=127.0.0.1",
                "--ctrl", f"type=tcp,port={self.port + 1},bindaddr=127.0.0.1", "--tpmstate", f"dir={self.state}",
                "--flags", "not-need-init,startup-clear",
            ], stderr=subprocess.DEVNULL)
            if self._listening():
                return
            self.stop()
        raise RuntimeError("swtpm did not start")

    def _listening(self) -> bool:
        """Wait until swtpm accepts connections; False if it exits or takes too long."""
        assert self.process is not None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self.process.poll() is None:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def tpm(tmp_path: Path) -> Iterator[SoftTpm]:
    soft = SoftTpm(tmp_path / "tpm-state")
    soft.start()
    yield soft
    soft.stop()


def test_a_sealed_key_unseals_after_the_tpm_restarts(tpm: SoftTpm, tmp_path: Path) -> None:
    provider = TpmProvider(tmp_path / "blobs", tpm.tcti)
    key = provider.create()
    assert (tmp_path / "blobs" / "kek.priv").read_bytes().find(key) == -1  # only TPM-encrypted on disk
    tpm.stop()
    tpm.start()
    assert TpmProvider(tmp_path / "blobs", tpm.tcti).load() == key


def test_another_tpm_cannot_unseal(tpm: SoftTpm, tmp_path: Path) -> None:
    TpmProvider(tmp_path / "blobs", tpm.tcti).create()
    other = SoftTpm(tmp_path / "other-state")
    other.start()
    try:
        with pytest.raises(KeyProviderError, match="TPM"):
            TpmProvider(tmp_path / "blobs", other.tcti).load()
    finally:
        other.stop()


def test_the_store_runs_on_a_tpm_sealed_key(tpm: SoftTpm, tmp_path: Path) -> None:
    store = open_store(tmp_path / "store.db", TpmProvider(tmp_path / "blobs", tpm.tcti))
    application = submit(store)
    store.close()
    reopened = open_store(tmp_path / "store.db", TpmProvider(tmp_path / "blobs", tpm.tcti))
    assert reopened.application_content(str(application.id))["number"] == application.number
    reopened.close()


def test_an_unreachable_tpm_is_a_clear_error(tmp_path: Path) -> None:
    provider = TpmProvider(tmp_path / "blobs", f"swtpm:host=127.0.0.1,port={free_port()}")
    with pytest.raises(KeyProviderError, match="TPM"):
        provider.create()
