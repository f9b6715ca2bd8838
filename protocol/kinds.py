"""The kinds of remote command, as plain names: the command line lists them without loading the protocol's models."""

from __future__ import annotations

from typing import Final

COMMAND_KINDS: Final = ("maintenance_on", "maintenance_off", "catalog_reload", "catalog_rollback", "test_page",
                        "diagnostics", "restart_kiosk", "restart_sync", "notice",
                        "application_status")  # protocol.command.Kind, in order
OPS_KINDS: Final = COMMAND_KINDS[:-1]  # what ops send by hand: a status change comes from the back office's record
