"""Destroying a store (#26): the KEK of each provider goes first, then every file of the store, and a re-run is safe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.config import StoreSection
from kiosk.store.errors import KeyMissing
from kiosk.store.keys import PassphraseProvider
from kiosk.store.opening import open_store
from kiosk.store.shred import key_files, shred_store
from tests.kiosk.store.helpers import NAME, submit


def test_a_passphrase_store_loses_its_salt_and_every_file(tmp_path: Path) -> None:
    section = StoreSection(path=tmp_path / "store.db", key_provider="passphrase")
    provider = PassphraseProvider("correct horse", tmp_path / "store.db.salt")
    store = open_store(section.path, provider)
    submit(store)
    store.close()
    (tmp_path / "store.db.corrupt-20261201T000000").write_bytes(NAME.encode())  # a quarantined copy
    (tmp_path / "unrelated.txt").write_text("kept")
    assert key_files(section) == [tmp_path / "store.db.salt"]
    assert shred_store(section) == (1, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unrelated.txt"]
    assert shred_store(section) == (0, 0)  # a second run finds nothing left and fails on nothing


def test_the_tpm_providers_sealed_blobs_are_the_key_files(tmp_path: Path) -> None:
    tpm = tmp_path / "tpm"
    tpm.mkdir()
    for name in ("kek.sealed", "kek.pub", "kek.priv"):
        (tpm / name).write_bytes(os.urandom(64))
    section = StoreSection(path=tmp_path / "store.db", key_provider="tpm", tpm_dir=tpm)
    assert [p.name for p in key_files(section)] == ["kek.priv", "kek.pub", "kek.sealed"]
    assert shred_store(section) == (3, 0)
    assert list(tpm.iterdir()) == []


def test_a_store_whose_key_was_shredded_no_longer_opens(tmp_path: Path) -> None:
    section = StoreSection(path=tmp_path / "store.db", key_provider="passphrase")
    salt = tmp_path / "store.db.salt"
    open_store(section.path, PassphraseProvider("pw", salt)).close()
    copy = (tmp_path / "store.db").read_bytes()
    shred_store(section)
    (tmp_path / "store.db").write_bytes(copy)  # a copy of the database taken before
    with pytest.raises(KeyMissing):
        open_store(section.path, PassphraseProvider("pw", salt))
