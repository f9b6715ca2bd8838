"""The diagnostics bundle after a busy day: what ops need to know, and not one byte of a citizen's data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from kiosk.store.releases import ReleaseStore
from protocol.command import MAX_RESULT_BYTES, Result
from sync.diagnostics import bundle
from sync.telemetry import collect
from tests.kiosk.store.helpers import ID_NUMBER, NAME, PHONE, open_test_store, paper_out, submit


def test_a_bundle_from_a_busy_store_has_the_facts_and_no_personal_data(tmp_path: Path) -> None:
    store = open_test_store(tmp_path / "terminal")
    for index in range(40):
        submit(store, index)
    store.request_help("form", "SB-001")
    store.rate(None, 1, comment=f"{NAME} 的电话 {PHONE} 被叫错了")
    store.record_event("card_refused", "warning", {"reason": "expired", "id": ID_NUMBER[-4:], "name": NAME})
    paper_out(store, note=PHONE)
    beat = collect(store, "LC0001", app_version="0.1.0", catalog_version="2026.12", cert_file=None)
    shown = bundle(store, beat, ReleaseStore(tmp_path / "releases"))
    store.close()

    text = json.dumps(shown, ensure_ascii=False)
    for personal in (NAME, ID_NUMBER, ID_NUMBER[-4:], PHONE, "示例路", "tcp://10.0.0.9"):
        assert personal not in text, personal
    assert shown["store"]["applications"] == {"submitted": 40}
    assert shown["store"]["integrity"] == ["ok"]
    assert shown["events"][-1] == {"kind": "card_refused", "severity": "warning", "at": shown["events"][-1]["at"]}
    assert shown["versions"]["sqlite"]
    assert shown["heartbeat"]["applications_today"] == 40
    signed = Result(id="0" * 32, terminal="LC0001", seq=1, status="succeeded", data=shown,
                    at=datetime.now(UTC).isoformat())
    assert len(signed.model_dump_json()) < MAX_RESULT_BYTES - 1024  # fits a signed result with room
