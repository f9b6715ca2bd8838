"""What the self-test asks beyond the devices: the broker with this terminal's identity, the clock, the catalog's key.

`yichuang selftest` and the technician screen build these from the same configuration, so both
run the same checks: the screen with the kiosk's open devices, the command with devices it opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from domain.data import SAMPLE_CATALOG
from kiosk.config import Config
from kiosk.store.releases import ReleaseStore
from kiosk.store.store import Store
from protocol.clock import TrustedClock
from protocol.release import ReleaseError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


@dataclass(frozen=True)
class Probes:
    """The catalog releases and their pinned key, the installed catalog, the broker and the clock."""

    releases: ReleaseStore
    catalog_key: Callable[[], Ed25519PublicKey]  # raises ReleaseError when it is missing
    installed: Path
    broker: Callable[[], str | None]  # None: the broker takes this terminal's certificate; else why not
    clock_wrong: Callable[[], bool]


def catalog_key(config: Config) -> Ed25519PublicKey:
    """Load the pinned catalog-signing key named by `[catalog] signing_key`."""
    from protocol.signed import SignedError, load_public  # noqa: PLC0415 - only when a key is asked for

    try:
        return load_public(config.catalog.signing_key)
    except SignedError as exc:
        raise ReleaseError("key", str(exc).replace("signing key", "catalog-signing key")) from None


def _broker(config: Config, store: Store, clock: TrustedClock) -> str | None:
    """Shake hands with the broker as this terminal (no MQTT session: the running sync agent is untouched)."""
    from protocol.address import parse_broker  # noqa: PLC0415 - the network stack only for this check
    from protocol.keypass import is_encrypted, key_password  # noqa: PLC0415
    from protocol.link import Link  # noqa: PLC0415
    from protocol.probe import probe_broker  # noqa: PLC0415

    section = config.sync
    host, port = parse_broker(section.broker)
    password = key_password(store.device_secret()) if is_encrypted(section.key_file) else None
    return probe_broker(Link(host, port, str(section.ca_file), str(section.cert_file), str(section.key_file),
                             password), clock)


def probes(config: Config, store: Store) -> Probes:
    """Build the probes of this terminal as its configuration names them."""
    clock = TrustedClock(config.sync.time_file)
    return Probes(ReleaseStore(config.catalog.releases), lambda: catalog_key(config),
                  config.catalog.path or SAMPLE_CATALOG, lambda: _broker(config, store, clock), clock.system_is_wrong)
