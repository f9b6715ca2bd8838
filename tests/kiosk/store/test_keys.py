"""Key providers, wrong and missing keys, and key rotation."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from kiosk.store.errors import KeyMissing, KeyProviderError, WrongKey
from kiosk.store.keys import KeyFileProvider, PassphraseProvider
from kiosk.store.opening import open_store
from kiosk.store.rotation import rotate
from tests.kiosk.store.helpers import open_test_store, submit


def digest(directory: Path) -> dict[str, str]:
    """Hash every file in a directory (to prove nothing changed)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def test_key_file_is_created_private(tmp_path: Path) -> None:
    open_test_store(tmp_path).close()
    assert (tmp_path / "store.key").stat().st_mode & 0o777 == 0o600
    assert len((tmp_path / "store.key").read_bytes()) == 32


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    open_test_store(tmp_path).close()
    os.chmod(tmp_path / "store.key", 0o644)
    with pytest.raises(KeyProviderError, match="chmod 600"):
        open_test_store(tmp_path)


def test_a_wrong_key_refuses_to_start_and_changes_nothing(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    submit(store)
    store.close()
    before = digest(tmp_path)
    other = KeyFileProvider(tmp_path / "other" / "k")
    other.create()
    with pytest.raises(WrongKey, match="nothing was changed"):
        open_store(tmp_path / "store.db", other)
    assert digest(tmp_path) == before


def test_a_missing_key_refuses_to_start_and_creates_none(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    submit(store)
    store.close()
    (tmp_path / "store.key").rename(tmp_path / "moved.key")
    with pytest.raises(KeyMissing, match="do not delete the store"):
        open_test_store(tmp_path)
    assert not (tmp_path / "store.key").exists()


def test_passphrase_provider(tmp_path: Path) -> None:
    salt = tmp_path / "store.salt"
    store = open_store(tmp_path / "store.db", PassphraseProvider("correct horse", salt))
    application = submit(store)
    store.close()
    reopened = open_store(tmp_path / "store.db", PassphraseProvider("correct horse", salt))
    assert reopened.application_content(str(application.id))["number"] == application.number
    reopened.close()
    with pytest.raises(WrongKey):
        open_store(tmp_path / "store.db", PassphraseProvider("wrong horse", salt))
    with pytest.raises(KeyMissing):
        PassphraseProvider("", salt)


def test_rotation_rewraps_every_data_key(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    applications = [submit(store, i) for i in range(5)]
    new_provider = KeyFileProvider(tmp_path / "new.key")
    new_id = rotate(store, new_provider)
    store.close()
    with pytest.raises(WrongKey):
        open_test_store(tmp_path)
    rotated = open_store(tmp_path / "store.db", new_provider)
    assert rotated.kek_id == new_id
    for application in applications:
        assert rotated.application_content(str(application.id))["number"] == application.number
    rotated.close()
