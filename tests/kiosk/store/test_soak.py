"""Soak: the UI submits and the sync agent acks and shreds, side by side, for a long time (make soak)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.store import outbox
from kiosk.store.inspect import check
from tests.common import ROOT
from tests.kiosk.store.helpers import open_test_store

MINUTES = float(os.environ.get("YC_SOAK_MINUTES", "30"))


@pytest.mark.soak
@pytest.mark.timeout(MINUTES * 60 + 600)  # the suite's 300 s limit would end every soak after five minutes
def test_two_processes_for_a_long_time(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seconds = str(MINUTES * 60)
    open_test_store(tmp_path).close()  # created once, as `yichuang store init` does
    workers = [
        subprocess.Popen([sys.executable, "-m", "tests.kiosk.store.soak_worker", role, str(tmp_path), seconds],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        for role in ("ui", "agent")
    ]
    results = []
    try:
        for worker in workers:
            out, err = worker.communicate(timeout=MINUTES * 60 + 300)
            assert worker.returncode == 0, err[-2000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:  # a failed or timed-out run leaves no process writing the store behind
            worker.kill()
            worker.wait()
    submitted = results[0]["done"]
    store = open_test_store(tmp_path)
    for entry in outbox.pending(store, limit=100_000):  # the agent stopped mid-stream: drain the rest
        outbox.ack(store, entry.record_id)
    report = check(store)
    assert report["ok"], report["problems"]
    assert report["applications"] == {"received": submitted}
    assert report["outbox"] == {"acked": submitted}
    assert report["live_data_keys"] <= 50 + len(outbox.pending(store))  # shredding kept up
    for result in results:
        assert result["rss_kb_end"] < result["rss_kb_start"] * 1.5 + 20_000, result  # no runaway memory
    assert (tmp_path / "store.db").stat().st_size < submitted * 2_000 + 10_000_000  # bounded by metadata
    store.close()
