"""Key-encryption key (KEK) providers behind one port.

What each protects against:
- ``tpm``: the KEK is sealed by the terminal's TPM 2.0 under a PCR policy (PCR 7, the Secure
  Boot state, by default): the blobs on disk are useless on any other machine, and the TPM
  unseals them only while the terminal boots the same firmware with the same Secure Boot
  state, so a **stolen disk or copied database cannot be decrypted, nor a stolen terminal
  booted into another operating system**. It does not protect against an attacker who runs
  code as the service user on the running terminal.
- ``file``: a 32-byte key file readable only by the service user. Protects against other
  local users and against a database copied without the key file; **a stolen disk that holds
  both is not protected** — use it with full-disk encryption or a TPM.
- ``passphrase``: a key derived with scrypt from a passphrase given at start. For
  development and demos: nothing is stored, but someone must type or inject the passphrase.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kiosk.store.crypto import KEY_BYTES, new_key
from kiosk.store.errors import KeyMissing, KeyProviderError, SealedStateChanged

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class KeyProvider(Protocol):
    """Creates, protects and produces the store's key-encryption key."""

    name: str

    def exists(self) -> bool:
        """Return whether a key has been created."""
        ...

    def create(self) -> bytes:
        """Create and protect a new key; refuse if one exists already."""
        ...

    def load(self) -> bytes:
        """Return the key; raise KeyMissing or KeyProviderError."""
        ...


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file only the owner can read, durably and atomically.

    The bytes go to a temporary file that is then linked into place, so another process
    never sees a half-written key, and of two creators exactly one wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise KeyProviderError(f"{path} exists already; refusing to overwrite a key") from None
    finally:
        os.unlink(temporary)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _read_private(path: Path) -> bytes:
    """Read a file that must not be readable by group or others."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyMissing(f"key file {path} is missing") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyProviderError(f"{path} is readable by others (mode {stat.S_IMODE(mode):o}); run chmod 600")
    return path.read_bytes()


class KeyFileProvider:
    """A random key in a file readable only by the service user."""

    name = "file"

    def __init__(self, path: Path) -> None:
        """Use the key file at ``path``."""
        self.path = path

    def exists(self) -> bool:
        """Return whether the key file exists."""
        return self.path.exists()

    def create(self) -> bytes:
        """Write a new random key file (mode 600)."""
        key = new_key()
        _write_private(self.path, key)
        return key

    def load(self) -> bytes:
        """Read the key file, checking its permissions and size."""
        key = _read_private(self.path)
        if len(key) != KEY_BYTES:
            raise KeyProviderError(f"key file {self.path} has {len(key)} bytes, expected {KEY_BYTES}")
        return key


class PassphraseProvider:
    """A key derived with scrypt from a passphrase and a stored random salt (development)."""

    name = "passphrase"

    def __init__(self, passphrase: str, salt_path: Path) -> None:
        """Derive from ``passphrase`` with the salt kept at ``salt_path``."""
        if not passphrase:
            raise KeyMissing("no passphrase given (set YICHUANG_STORE_PASSPHRASE)")
        self.passphrase, self.salt_path = passphrase, salt_path

    def exists(self) -> bool:
        """Return whether the salt exists."""
        return self.salt_path.exists()

    def _derive(self, salt: bytes) -> bytes:
        """Run scrypt."""
        return hashlib.scrypt(
            self.passphrase.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
            maxmem=64 * 1024 * 1024, dklen=KEY_BYTES,
        )

    def create(self) -> bytes:
        """Store a new salt and derive the key."""
        salt = os.urandom(16)
        _write_private(self.salt_path, salt)
        return self._derive(salt)

    def load(self) -> bytes:
        """Derive the key from the stored salt."""
        return self._derive(_read_private(self.salt_path))


PCR_BANK = "sha256"
PCR_DIGEST_BYTES = 32
DEFAULT_PCRS = (7,)  # the Secure Boot state: on or off, its keys (PK, KEK, db, dbx), the boot loader's authority
PCR_MEANING = {0: "firmware code", 1: "firmware settings", 2: "option ROMs", 4: "boot loader",
               7: "Secure Boot state"}
MAX_SEALED_FILE = 16 * 1024
SEALED_ATTRIBUTES = "fixedtpm|fixedparent|adminwithpolicy"  # no userwithauth: only the PCR policy unseals it


@dataclass(frozen=True)
class Sealed:
    """A key sealed under a PCR policy: the TPM's blobs and the PCR values it was sealed at."""

    pcrs: dict[int, str]
    public: bytes
    private: bytes


class TpmProvider:
    """A random key sealed by the TPM 2.0 under a PCR policy, with tpm2-tools."""

    name = "tpm"

    def __init__(self, directory: Path, tcti: str, pcrs: tuple[int, ...] = DEFAULT_PCRS) -> None:
        """Keep the sealed blobs in ``directory``; reach the TPM through ``tcti``; bind new seals to ``pcrs``."""
        if not pcrs or not all(0 <= pcr <= 23 for pcr in pcrs):
            raise KeyProviderError(f"TPM PCR list {pcrs} is not a non-empty list of PCRs 0-23")
        self.directory, self.tcti, self.pcrs = directory, tcti, tuple(sorted(set(pcrs)))
        self.sealed = directory / "kek.sealed"  # one file, written atomically: blobs and PCR values
        self.legacy = (directory / "kek.pub", directory / "kek.priv")  # sealed without a policy (before #21)

    def exists(self) -> bool:
        """Return whether a sealed key exists (with or without a policy)."""
        return self.sealed.exists() or all(p.exists() for p in self.legacy)

    def _run(self, args: list[str], work: Path, stdin: bytes | None = None) -> bytes:
        """Run one tpm2-tools command, flushing transient objects afterwards."""
        tool, flush = shutil.which(args[0]), shutil.which("tpm2_flushcontext")
        if tool is None or flush is None:
            raise KeyProviderError(f"{args[0]} is not installed (Debian package tpm2-tools)")
        env = {**os.environ, "TPM2TOOLS_TCTI": self.tcti}
        result = subprocess.run(  # noqa: S603 - fixed tpm2-tools command, no shell
            [tool, *args[1:]], input=stdin, capture_output=True, cwd=work, env=env, timeout=30, check=False
        )
        subprocess.run([flush, "-t"], capture_output=True, env=env, timeout=30, check=False)  # noqa: S603
        if result.returncode != 0:
            reason = result.stderr.decode(errors="replace").strip().splitlines()
            raise KeyProviderError(f"TPM ({self.tcti}): {args[0]} failed: {reason[-1] if reason else 'no output'}")
        return result.stdout

    def _primary(self, work: Path) -> None:
        """Recreate the (deterministic) primary storage key in ``work``."""
        self._run(["tpm2_createprimary", "-C", "o", "-c", "primary.ctx", "-Q"], work)

    def _pcr_values(self, pcrs: tuple[int, ...], work: Path) -> dict[int, str]:
        """Read ``pcrs`` now (their binary values also land in ``work``/pcrs.bin)."""
        self._run(["tpm2_pcrread", _selection(pcrs), "-o", "pcrs.bin", "-Q"], work)
        raw = (work / "pcrs.bin").read_bytes()
        if len(raw) != PCR_DIGEST_BYTES * len(pcrs):
            raise KeyProviderError(f"TPM ({self.tcti}): the {PCR_BANK} PCR bank is not available")
        return {pcr: raw[i * PCR_DIGEST_BYTES : (i + 1) * PCR_DIGEST_BYTES].hex() for i, pcr in enumerate(pcrs)}

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Let one process at a time use this key's TPM objects (a flush, a reseal) until the block ends."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def create(self) -> bytes:
        """Seal a new random key; only the TPM-encrypted blobs are written to disk."""
        with self._exclusive():
            if self.exists():
                raise KeyProviderError(f"{self.directory} holds a sealed key already")
            key = new_key()
            self._seal(key)
        return key

    def _seal(self, key: bytes) -> None:
        """Seal ``key`` under a policy of the configured PCRs' current values; write one file (one writer wins)."""
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            self._primary(work)
            values = self._pcr_values(self.pcrs, work)
            self._run(["tpm2_createpolicy", "--policy-pcr", "-l", _selection(self.pcrs), "-f", "pcrs.bin",
                       "-L", "policy.digest", "-Q"], work)
            self._run(["tpm2_create", "-C", "primary.ctx", "-L", "policy.digest", "-a", SEALED_ATTRIBUTES,
                       "-i", "-", "-u", "kek.pub", "-r", "kek.priv", "-Q"], work, stdin=key)
            blobs = {name: (work / file).read_bytes().hex() for name, file in (("public", "kek.pub"),
                                                                             ("private", "kek.priv"))}
            record = {"v": 1, "bank": PCR_BANK, "pcrs": {str(pcr): value for pcr, value in values.items()}, **blobs}
        _write_private(self.sealed, json.dumps(record).encode())

    def load(self) -> bytes:
        """Unseal the key with the TPM that sealed it, in the boot state it was sealed in."""
        if not self.exists():
            raise KeyMissing(f"no sealed key in {self.directory}")
        with self._exclusive():
            if self.sealed.exists():
                key = self._unseal_with_policy(self._read_sealed())
            else:  # sealed by a release before #21: bind it to the PCR policy now
                key = self._unseal((self.legacy[0].read_bytes(), _read_private(self.legacy[1])), policy=None)
                self._seal(key)
                for old in self.legacy:
                    old.unlink()
        if len(key) != KEY_BYTES:
            raise KeyProviderError("the TPM returned a key of the wrong size")
        return key

    def _read_sealed(self) -> Sealed:
        """Return the sealed key's record; refuse one that is malformed or oversized."""
        raw = _read_private(self.sealed)
        try:
            record = json.loads(raw) if len(raw) <= MAX_SEALED_FILE else None
        except (UnicodeDecodeError, ValueError, RecursionError):
            record = None
        if not isinstance(record, dict) or record.get("v") != 1 or record.get("bank") != PCR_BANK:
            raise KeyProviderError(f"{self.sealed} is not a valid sealed key record; restore it from a backup")
        pcrs, public, private = record.get("pcrs"), record.get("public"), record.get("private")
        if not (isinstance(pcrs, dict) and pcrs and all(_valid_pcr(k, v) for k, v in pcrs.items())
                and _is_hex(public) and _is_hex(private)):
            raise KeyProviderError(f"{self.sealed} is not a valid sealed key record; restore it from a backup")
        ordered = {int(k): str(v) for k, v in sorted(pcrs.items(), key=lambda item: int(item[0]))}
        return Sealed(ordered, bytes.fromhex(str(public)), bytes.fromhex(str(private)))

    def _unseal_with_policy(self, sealed: Sealed) -> bytes:
        """Unseal the policy-bound key; explain which PCR changed if the TPM refuses."""
        try:
            return self._unseal((sealed.public, sealed.private), policy=tuple(sealed.pcrs))
        except KeyProviderError as refused:
            with tempfile.TemporaryDirectory() as tmp:
                current = self._pcr_values(tuple(sealed.pcrs), Path(tmp))
            changed = [pcr for pcr, value in sealed.pcrs.items() if current[pcr] != value]
            if not changed:
                raise
            raise SealedStateChanged(_changed_message(changed)) from refused

    def _unseal(self, blobs: tuple[bytes, bytes], policy: tuple[int, ...] | None) -> bytes:
        """Load the sealed object and unseal it, satisfying the PCR ``policy`` in a policy session."""
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "kek.pub").write_bytes(blobs[0])
            (work / "kek.priv").write_bytes(blobs[1])
            self._primary(work)
            self._run(["tpm2_load", "-C", "primary.ctx", "-u", "kek.pub", "-r", "kek.priv", "-c", "kek.ctx", "-Q"],
                      work)
            if policy is None:
                return self._run(["tpm2_unseal", "-c", "kek.ctx"], work)
            self._run(["tpm2_startauthsession", "--policy-session", "-S", "session.ctx"], work)
            try:
                self._run(["tpm2_policypcr", "-S", "session.ctx", "-l", _selection(policy), "-Q"], work)
                return self._run(["tpm2_unseal", "-c", "kek.ctx", "-p", "session:session.ctx"], work)
            finally:
                with suppress(KeyProviderError):  # the session dies with the TPM's reset anyway
                    self._run(["tpm2_flushcontext", "session.ctx"], work)


def _selection(pcrs: tuple[int, ...]) -> str:
    """Return tpm2-tools' PCR selection for ``pcrs`` in the bank used."""
    return f"{PCR_BANK}:{','.join(str(pcr) for pcr in pcrs)}"


def _is_hex(value: object, length: int | None = None) -> bool:
    """Return whether ``value`` is lower-case hex text (of ``length`` characters when given)."""
    if not isinstance(value, str) or not value or len(value) % 2 or (length is not None and len(value) != length):
        return False
    return all(c in "0123456789abcdef" for c in value)


def _valid_pcr(index: object, value: object) -> bool:
    """Return whether one recorded PCR is an index 0-23 with a SHA-256 value in hex."""
    if not (isinstance(index, str) and index.isdigit() and int(index) <= 23):
        return False
    return _is_hex(value, 2 * PCR_DIGEST_BYTES)


def _changed_message(changed: list[int]) -> str:
    """Tell the technician which PCR changed, what it means and what to do."""
    names = ", ".join(f"PCR {pcr} ({PCR_MEANING.get(pcr, 'measured boot')})" for pcr in changed)
    return (f"the TPM refuses to unseal the store key: {names} changed since the key was sealed (the firmware, "
            "the Secure Boot setting or its keys changed, or another operating system was booted). Nothing was "
            "decrypted. If nobody updated the firmware, treat the terminal as tampered with and report it. After a "
            "planned firmware or Secure Boot update: restore the previous settings to read and sync the store "
            "(yichuang sync run --until-drained), or, if it was synced before the update, re-enroll the store key: "
            "move the store, its tpm directory and pki/ aside, run yichuang store init and provision enroll again "
            "(README: Firmware and Secure Boot updates)")
