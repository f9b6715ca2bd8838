"""Export a broken terminal's unsynced applications for a USB stick: sealed as the agent would send them, signed.

The terminal keeps every exported entry pending: if it comes back online it sends them again, and
central stores each message id once (protocol/export.py). Nothing personal leaves the terminal
unencrypted: each envelope is encrypted to central's key.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.store import outbox
from kiosk.store.store import Store
from protocol import bundle
from protocol.envelope import Header, new_content_key, seal
from protocol.export import Export, write_export
from sync.keys import TerminalKeys


def export_unsynced(store: Store, terminal: str, keys: TerminalKeys, now: datetime) -> tuple[bytes, int]:
    """Return the export file of every unacknowledged entry, and how many entries it holds."""
    entries = outbox.unsynced(store)
    bodies = outbox.payloads(store, entries) if entries else {}
    content_key = new_content_key(keys.central)
    envelopes = [seal(Header(terminal, e.seq, e.record_id, e.kind, store.now(), store.boot), bodies[e.seq],
                      keys.central, keys.signer, content_key) for e in entries]
    bundles = [bundle.pack(group) for group in bundle.group(envelopes)]
    store.record_event("exported", "warning", {"entries": len(envelopes)})
    return write_export(Export(terminal, now.isoformat(), bundles), keys.signer), len(envelopes)
