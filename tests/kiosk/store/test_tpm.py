"""The TPM key provider against Debian's swtpm software TPM."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.ports import free_port, free_port_pair
from kiosk.store.errors import KeyProviderError, SealedStateChanged
from kiosk.store.keys import TpmProvider
from kiosk.store.opening import open_store
from tests.common import ROOT
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
    assert (tmp_path / "blobs" / "kek.sealed").read_bytes().find(key.hex().encode()) == -1  # only TPM-encrypted on disk
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


def tpm2(tcti: str, work: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run one tpm2-tools command as anyone holding the terminal would, then flush transient objects."""
    env = {**os.environ, "TPM2TOOLS_TCTI": tcti}
    done = subprocess.run(list(args), input=stdin, capture_output=True, cwd=work, env=env, timeout=30, check=False)
    subprocess.run(["tpm2_flushcontext", "-t"], capture_output=True, env=env, timeout=30, check=False)
    return done


def change_pcr(tcti: str, pcr: int, tmp_path: Path) -> None:
    """Extend ``pcr`` as booting other firmware, another Secure Boot state or another OS would."""
    extended = tpm2(tcti, tmp_path, "tpm2_pcrextend", f"{pcr}:sha256={'ab' * 32}")
    assert extended.returncode == 0, extended.stderr


def blob_pairs(blobs: Path, work: Path) -> list[tuple[Path, Path]]:
    """Return the (public, private) TPM blobs found in ``blobs``, in either release's layout."""
    pairs = [(private.with_suffix(".pub"), private) for private in sorted(blobs.glob("*.priv"))]
    if (blobs / "kek.sealed").exists():
        record = json.loads((blobs / "kek.sealed").read_text())
        (work / "stolen.pub").write_bytes(bytes.fromhex(record["public"]))
        (work / "stolen.priv").write_bytes(bytes.fromhex(record["private"]))
        pairs.append((work / "stolen.pub", work / "stolen.priv"))
    return pairs


def steal_key(tcti: str, blobs: Path, work: Path) -> bytes | None:
    """Unseal every blob pair in ``blobs`` with plain tpm2-tools, without and with a PCR session; the key or None."""
    work.mkdir(exist_ok=True)
    tpm2(tcti, work, "tpm2_createprimary", "-C", "o", "-c", "primary.ctx", "-Q")
    for public, private in blob_pairs(blobs, work):
        loaded = tpm2(tcti, work, "tpm2_load", "-C", "primary.ctx", "-u", str(public), "-r", str(private),
                      "-c", "kek.ctx", "-Q")
        assert loaded.returncode == 0, loaded.stderr  # the blobs load: only unsealing is guarded
        plain = tpm2(tcti, work, "tpm2_unseal", "-c", "kek.ctx")
        if plain.returncode == 0:
            return plain.stdout
        tpm2(tcti, work, "tpm2_startauthsession", "--policy-session", "-S", "session.ctx")
        tpm2(tcti, work, "tpm2_policypcr", "-S", "session.ctx", "-l", "sha256:7", "-Q")
        with_policy = tpm2(tcti, work, "tpm2_unseal", "-c", "kek.ctx", "-p", "session:session.ctx")
        tpm2(tcti, work, "tpm2_flushcontext", "session.ctx")
        if with_policy.returncode == 0:
            return with_policy.stdout
    return None


def test_a_stolen_terminal_booted_into_another_os_cannot_unseal_the_key(tpm: SoftTpm, tmp_path: Path) -> None:
    key = TpmProvider(tmp_path / "blobs", tpm.tcti).create()
    assert steal_key(tpm.tcti, tmp_path / "blobs", tmp_path / "before") == key  # same boot state: the TPM unseals
    change_pcr(tpm.tcti, 7, tmp_path)  # another OS, another Secure Boot state
    assert steal_key(tpm.tcti, tmp_path / "blobs", tmp_path / "after") is None


def test_a_changed_secure_boot_state_stops_the_store_with_a_message_and_decrypts_nothing(
        tpm: SoftTpm, tmp_path: Path) -> None:
    store = open_store(tmp_path / "store.db", TpmProvider(tmp_path / "blobs", tpm.tcti))
    submit(store)
    store.close()
    before = (tmp_path / "store.db").read_bytes()
    change_pcr(tpm.tcti, 7, tmp_path)
    with pytest.raises(SealedStateChanged) as refused:
        open_store(tmp_path / "store.db", TpmProvider(tmp_path / "blobs", tpm.tcti))
    message = str(refused.value)
    assert "PCR 7 (Secure Boot state) changed" in message
    assert "Nothing was decrypted" in message
    assert "re-enroll the store key" in message
    assert (tmp_path / "store.db").read_bytes() == before
    assert not list(tmp_path.glob("store.db.corrupt*"))


def test_the_pcr_list_is_configurable_and_the_message_names_the_pcr(tpm: SoftTpm, tmp_path: Path) -> None:
    provider = TpmProvider(tmp_path / "blobs", tpm.tcti, pcrs=(7, 0))
    key = provider.create()
    assert provider.load() == key
    change_pcr(tpm.tcti, 0, tmp_path)
    with pytest.raises(SealedStateChanged, match=r"PCR 0 \(firmware code\) changed"):
        TpmProvider(tmp_path / "blobs", tpm.tcti, pcrs=(7, 0)).load()
    with pytest.raises(KeyProviderError, match="PCR list"):
        TpmProvider(tmp_path / "blobs", tpm.tcti, pcrs=(24,))


def seal_without_policy(tcti: str, blobs: Path, key: bytes, work: Path) -> None:
    """Seal ``key`` the way releases before #21 did: no PCR policy, no auth."""
    blobs.mkdir()
    assert tpm2(tcti, work, "tpm2_createprimary", "-C", "o", "-c", "primary.ctx", "-Q").returncode == 0
    sealed = tpm2(tcti, work, "tpm2_create", "-C", "primary.ctx", "-i", "-", "-u", str(blobs / "kek.pub"),
                  "-r", str(blobs / "kek.priv"), "-Q", stdin=key)
    assert sealed.returncode == 0, sealed.stderr
    (blobs / "kek.priv").chmod(0o600)


def test_a_key_sealed_without_a_policy_still_opens_and_is_resealed_under_it(tpm: SoftTpm, tmp_path: Path) -> None:
    key = os.urandom(32)
    seal_without_policy(tpm.tcti, tmp_path / "blobs", key, tmp_path)
    provider = TpmProvider(tmp_path / "blobs", tpm.tcti)
    assert provider.exists()
    assert provider.load() == key
    assert sorted(p.name for p in (tmp_path / "blobs").iterdir()) == [".lock", "kek.sealed"]  # unbound blobs gone
    assert provider.load() == key
    change_pcr(tpm.tcti, 7, tmp_path)
    assert steal_key(tpm.tcti, tmp_path / "blobs", tmp_path / "after") is None
    with pytest.raises(SealedStateChanged):
        provider.load()


def test_a_tampered_sealed_key_record_is_refused(tpm: SoftTpm, tmp_path: Path) -> None:
    TpmProvider(tmp_path / "blobs", tpm.tcti).create()
    record = tmp_path / "blobs" / "kek.sealed"
    genuine = json.loads(record.read_text())
    hostile = [b"[]", b"[" * 15000, b"x" * 20000, b"\xff", json.dumps({**genuine, "pcrs": {"7": 7}}).encode(),
               json.dumps({**genuine, "pcrs": {"99": genuine["pcrs"]["7"]}}).encode(),
               json.dumps({**genuine, "private": "not hex"}).encode(), json.dumps({**genuine, "v": 2}).encode()]
    for payload in hostile:
        record.write_bytes(payload)
        with pytest.raises(KeyProviderError, match="not a valid sealed key record"):
            TpmProvider(tmp_path / "blobs", tpm.tcti).load()


def test_the_technician_reads_which_pcr_changed_and_what_to_do(tpm: SoftTpm, tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "store.db"}"\nkey_provider = "tpm"\n'
                      f'tpm_dir = "{tmp_path / "tpm"}"\ntpm_tcti = "{tpm.tcti}"\n')
    env = {**os.environ, "YICHUANG_CONFIG": str(config)}
    main = [sys.executable, str(ROOT / "main.py"), "store"]
    created = subprocess.run([*main, "init"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert created.returncode == 0, created.stderr
    change_pcr(tpm.tcti, 7, tmp_path)
    refused = subprocess.run([*main, "check"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert refused.returncode == 1
    assert "PCR 7 (Secure Boot state) changed since the key was sealed" in refused.stderr
    assert "Traceback" not in refused.stderr


UNSEAL = "import sys; from pathlib import Path; from kiosk.store.keys import TpmProvider; " \
         "print(TpmProvider(Path(sys.argv[1]), sys.argv[2]).load().hex())"


def test_two_processes_resealing_a_key_sealed_without_a_policy_both_open_it(tpm: SoftTpm, tmp_path: Path) -> None:
    key = os.urandom(32)
    seal_without_policy(tpm.tcti, tmp_path / "blobs", key, tmp_path)
    both = [subprocess.Popen([sys.executable, "-c", UNSEAL, str(tmp_path / "blobs"), tpm.tcti], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [process.communicate(timeout=120) for process in both]
    assert [process.returncode for process in both] == [0, 0], [err for _, err in results]
    assert [out.strip() for out, _ in results] == [key.hex(), key.hex()]
    assert sorted(p.name for p in (tmp_path / "blobs").iterdir()) == [".lock", "kek.sealed"]
    assert TpmProvider(tmp_path / "blobs", tpm.tcti).load() == key
