"""Decommission this terminal: nothing unsynced is lost, then the store, the identity and the secrets are destroyed.

The steps, each skipping what is gone already, so a decommission killed half-way completes when run
again: a marker beside the store says it began (the backlog check passed, or the backlog was
exported); the store is crypto-shredded (kiosk/store/shred.py); the device key and certificate are
destroyed; terminal.toml loses the technician PIN's hash; a last marker says it is done (the
terminal id and time only). Central learns it from the terminal's signed notice (sync/notice.py),
sent before anything is destroyed, or, when that was not acknowledged, from ops (`central terminals retire`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.config import Config, render_config, write_private
from kiosk.store.crashpoints import crashpoint
from kiosk.store.shred import shred_store
from sync.devicekey import destroy_device_key


@dataclass(frozen=True)
class Markers:
    """The two files beside the store that say a decommission began, and that it finished."""

    started: Path
    done: Path
    told: Path  # central acknowledged the decommission notice

    @classmethod
    def of(cls, config: Config) -> Markers:
        """Return the markers of the store ``config`` names."""
        path = config.store.path
        return cls(*(path.with_name(f"{path.name}.{end}") for end in ("decommissioning", "decommissioned", "told")))


@dataclass(frozen=True)
class Done:
    """What a decommission destroyed, in counts."""

    key_files: int
    store_files: int
    identity_files: int
    pin_cleared: bool


def begin(markers: Markers, terminal: str) -> None:
    """Record that the decommission of ``terminal`` began (a re-run skips the backlog check from here on)."""
    if not markers.started.exists():
        markers.started.parent.mkdir(parents=True, exist_ok=True)
        write_private(markers.started, f"{terminal} decommission began {datetime.now(UTC).isoformat()}\n")


def destroy(config: Config, config_path: Path | None) -> Done:
    """Shred the store, destroy the device key and certificate, clear the PIN hash; each step idempotent."""
    keys, files = shred_store(config.store)
    crashpoint("decommission_shredded")
    identity = destroy_device_key(config.sync.key_file, config.sync.cert_file)
    cleared = False
    if config_path is not None and config_path.is_file() and config.technician.pin_hash:
        scrubbed = config.model_copy(update={"technician": config.technician.model_copy(update={"pin_hash": ""})})
        write_private(config_path, render_config(scrubbed, f"terminal {config.terminal.id}: decommissioned"))
        cleared = True
    return Done(keys, files, identity, cleared)


def finish(markers: Markers, terminal: str) -> None:
    """Record that the decommission is complete."""
    write_private(markers.done, f"{terminal} decommissioned {datetime.now(UTC).isoformat()}\n")
    markers.started.unlink(missing_ok=True)
    markers.told.unlink(missing_ok=True)
