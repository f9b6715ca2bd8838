"""Data as earlier revisions of the store wrote it, for the migration and crash tests."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

from kiosk.store.crypto import bind, key_id, new_key, seal


def fill_0001(path: Path, kek: bytes) -> str:
    """Write one application the way revision 0001's code wrote it; return its id."""
    rid, key = str(uuid.uuid4()), new_key()
    content = json.dumps({"number": "LC0001-261101-0001X", "values": {"applicant.name": "旧版本"}}).encode()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO meta VALUES ('kek_id', ?)", (key_id(kek),))
    conn.execute("INSERT INTO counters VALUES ('seq', 1)")
    conn.execute("INSERT INTO daily_numbers VALUES ('2026-11-01', 1)")
    conn.execute("INSERT INTO data_keys VALUES (?, ?, ?, '2026-11-01T00:00:00+00:00')",
                 (rid, key_id(kek), seal(kek, key, bind("data_keys", rid, "wrapped"))))
    conn.execute(
        "INSERT INTO applications (id, seq, number, offering_code, offering_kind, catalog_version, catalog_hash, "
        "state, created_at, boot_id, content, shredded_at) VALUES (?, 1, 'LC0001-261101-0001X', 'SB-001', 'item', '2026.10.1', 'sha256:x', "
        "'submitted', '2026-11-01T00:00:00+00:00', 'boot', ?, NULL)",
        (rid, seal(key, content, bind("applications", rid, "content"))),
    )
    conn.execute("INSERT INTO receipts VALUES (?, NULL, 0)", (rid,))
    conn.execute("INSERT INTO outbox VALUES (1, ?, 'application', 'pending', 0, NULL, NULL, NULL, "
                 "'2026-11-01T00:00:00+00:00', 'boot')", (rid,))
    conn.commit()
    conn.close()
    return rid


def fill_0007(path: Path, kek: bytes) -> str:
    """Write one application the way revision 0007's code wrote it (its data key in its row); return its id."""
    rid = fill_0001(path, kek)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE applications SET (kek_id, wrapped_key) = (SELECT kek_id, wrapped FROM data_keys "
                 "WHERE record_id = ?) WHERE id = ?", (rid, rid))
    conn.execute("DELETE FROM data_keys WHERE record_id = ?", (rid,))
    conn.commit()
    conn.close()
    return rid
