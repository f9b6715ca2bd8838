"""What the kiosk window needs before its first frame, and how the rest of the terminal opens after it.

Home is drawn from the catalog and the panel's settings alone; the store (SQLAlchemy, its key,
a migration if one is due) and the devices open afterwards, off the UI thread, through
``open_terminal``. Nothing here imports the store or a driver: that is what keeps them off the
start path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.catalog import Catalog, Hall
from kiosk.config import UiSection

if TYPE_CHECKING:
    from kiosk.services.terminal import Kiosk


@dataclass(frozen=True)
class Startup:
    """Home's offerings and the window's settings, and the call that opens the store and the devices (blocks)."""

    catalog: Catalog
    hall: Hall
    settings: UiSection
    open_terminal: Callable[[], Kiosk]
