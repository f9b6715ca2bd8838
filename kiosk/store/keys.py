"""Key-encryption key (KEK) providers behind one port.

What each protects against:
- ``tpm``: the KEK is sealed by the terminal's TPM 2.0; the blobs on disk are useless on any
  other machine, so a **stolen disk or copied database cannot be decrypted**. It does not
  protect against an attacker who runs code as the service user on the running terminal.
- ``file``: a 32-byte key file readable only by the service user. Protects against other
  local users and against a database copied without the key file; **a stolen disk that holds
  both is not protected** — use it with full-disk encryption or a TPM.
- ``passphrase``: a key derived with scrypt from a passphrase given at start. For
  development and demos: nothing is stored, but someone must type or inject the passphrase.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

from kiosk.store.crypto import KEY_BYTES, new_key
from kiosk.store.errors import KeyMissing, KeyProviderError

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


class TpmProvider:
    """A random key sealed to the TPM 2.0 storage hierarchy with tpm2-tools."""

    name = "tpm"

    def __init__(self, directory: Path, tcti: str) -> None:
        """Keep the sealed blobs in ``directory``; reach the TPM through ``tcti``."""
        self.directory, self.tcti = directory, tcti
        self.public, self.private = directory / "kek.pub", directory / "kek.priv"

    def exists(self) -> bool:
        """Return whether sealed blobs exist."""
        return self.public.exists() and self.private.exists()

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

    def create(self) -> bytes:
        """Seal a new random key; only the TPM-encrypted blobs are written to disk."""
        if self.exists():
            raise KeyProviderError(f"{self.directory} holds a sealed key already")
        key = new_key()
        self.directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            self._primary(work)
            self._run(["tpm2_create", "-C", "primary.ctx", "-i", "-", "-u", "kek.pub", "-r", "kek.priv", "-Q"],
                      work, stdin=key)
            _write_private(self.public, (work / "kek.pub").read_bytes())
            _write_private(self.private, (work / "kek.priv").read_bytes())
        return key

    def load(self) -> bytes:
        """Unseal the key with the TPM that sealed it."""
        if not self.exists():
            raise KeyMissing(f"no sealed key in {self.directory}")
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "kek.pub").write_bytes(self.public.read_bytes())
            (work / "kek.priv").write_bytes(_read_private(self.private))
            self._primary(work)
            self._run(["tpm2_load", "-C", "primary.ctx", "-u", "kek.pub", "-r", "kek.priv", "-c", "kek.ctx", "-Q"],
                      work)
            key = self._run(["tpm2_unseal", "-c", "kek.ctx"], work)
        if len(key) != KEY_BYTES:
            raise KeyProviderError("the TPM returned a key of the wrong size")
        return key
