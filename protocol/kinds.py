"""The kinds of remote command, as plain names: the command line lists them without loading the protocol's models."""

from __future__ import annotations

from typing import Final

COMMAND_KINDS: Final = ("maintenance_on", "maintenance_off", "catalog_reload", "catalog_rollback", "test_page",
                        "diagnostics", "restart_kiosk", "restart_sync", "notice")  # protocol.command.Kind, in order
