"""Build the key-encryption key provider a terminal's configuration names."""

from __future__ import annotations

import os

from kiosk.config import StoreSection
from kiosk.store.keys import KeyFileProvider, KeyProvider, PassphraseProvider, TpmProvider

PASSPHRASE_ENV = "YICHUANG_STORE_PASSPHRASE"  # noqa: S105 - the variable's name


def provider_for(section: StoreSection) -> KeyProvider:
    """Return the provider of ``section``: TPM, key file, or passphrase (development only)."""
    if section.key_provider == "tpm":
        return TpmProvider(section.tpm_dir, section.tpm_tcti, section.tpm_pcrs)
    if section.key_provider == "passphrase":
        salt = section.path.with_name(section.path.name + ".salt")
        return PassphraseProvider(os.environ.get(PASSPHRASE_ENV, ""), salt)
    return KeyFileProvider(section.key_file)
