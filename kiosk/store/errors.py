"""Typed failures of the local store, each with a message a technician can act on."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every store failure."""


class StoreFull(StoreError):
    """The disk holding the store is full: stop taking applications (暂停受理)."""


class KeyMissing(StoreError):
    """The key-encryption key cannot be found although the store holds data."""


class WrongKey(StoreError):
    """The key-encryption key does not belong to this store."""


class StoreCorrupt(StoreError):
    """The database file is damaged."""


class RecordShredded(StoreError):
    """The record's data key was destroyed after central acknowledged it (crypto-shredding)."""


class RecordNotFound(StoreError):
    """No record with that id or number."""


class KeyProviderError(StoreError):
    """A key provider could not produce or protect the key (TPM unreachable, bad permissions)."""


class SealedStateChanged(KeyProviderError):
    """The TPM refused to unseal the key: the measured boot state (its PCRs) changed since it was sealed."""
