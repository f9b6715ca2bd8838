"""kill -9 at named points: whatever submit() returned is there exactly once, nothing is half-written."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.store import database as db
from kiosk.store.errors import RecordShredded
from kiosk.store.store import Store
from tests.common import ROOT
from tests.kiosk.store.helpers import open_test_store, submit

POINTS = ["before_commit", "after_commit", "mid_outbox_update", "mid_shred", "mid_migration"]
RUNS = int(os.environ.get("YC_CRASH_RUNS", "3"))
RESULTS: dict[str, int] = {}  # crash point -> runs that held every invariant (reported at the end)
SEED = int(os.environ.get("YC_CRASH_SEED", "20261122"))


def worker(mode: str, directory: Path, count: int, crash: str | None) -> list[str]:
    """Run the crash worker; return the lines it printed before it died."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("YC_CRASHPOINT", None)
    if crash:
        env["YC_CRASHPOINT"] = crash
    result = subprocess.run(
        [sys.executable, "-m", "tests.kiosk.store.crash_worker", mode, str(directory), str(count)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )
    if crash:
        assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    else:
        assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()[1::2]


def verify(store: Store, reported: list[str]) -> None:
    """Check the invariants: reported records present once and decryptable; no half-writes."""
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT a.id, a.shredded_at, a.wrapped_key, r.application_id, o.record_id FROM applications a "
            "LEFT JOIN receipts r ON r.application_id = a.id LEFT JOIN outbox o ON o.record_id = a.id"
        )).all()
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids))
    assert set(reported) <= set(ids)
    for rid, shredded, key, receipt, entry in rows:
        assert receipt == rid
        assert entry == rid
        if shredded is None:
            assert key is not None
            assert store.application_content(rid)["id"] == rid
        else:
            assert key is None
            with pytest.raises(RecordShredded):
                store.application_content(rid)


def run_submit(directory: Path, point: str, rng: random.Random) -> None:
    """Crash during a run of submits."""
    nth = rng.randint(1, 6)
    reported = worker("submit", directory, 10, f"{point}:{nth}")
    assert len(reported) == nth - 1
    store = open_test_store(directory)
    verify(store, reported)
    present = store.count_applications()
    assert present == len(reported) + (1 if point == "after_commit" else 0)
    store.close()


def prepare(directory: Path, count: int, acked: bool = False) -> None:
    """Put ``count`` applications in the store, optionally acknowledged."""
    store = open_test_store(directory)
    for index in range(count):
        submit(store, index)
    store.close()
    if acked:
        worker("ack", directory, count, None)


def run_ack(directory: Path, rng: random.Random) -> None:
    """Crash between the two updates of an ack."""
    prepare(directory, 6)
    nth = rng.randint(1, 6)
    acked = worker("ack", directory, 6, f"mid_outbox_update:{nth}")
    assert len(acked) == nth - 1
    store = open_test_store(directory)
    verify(store, acked)
    with store.engine.connect() as conn:
        states = dict(conn.execute(text(
            "SELECT a.id, a.state || '/' || o.status FROM applications a JOIN outbox o ON o.record_id = a.id"
        )).all())
    assert all(states[rid] == "received/acked" for rid in acked)
    assert set(states.values()) <= {"received/acked", "submitted/pending"}  # never half an ack
    store.close()


def run_shred(directory: Path, rng: random.Random) -> None:
    """Crash inside the shredding transaction, at a random chunk: all keys stay or all go."""
    prepare(directory, 6, acked=True)
    assert worker("shred", directory, 0, f"mid_shred:{rng.randint(1, 3)}") == []
    store = open_test_store(directory)
    verify(store, [])
    assert store.count_shredded() == 0  # rolled back as a whole
    store.close()
    assert worker("shred", directory, 0, None) == ["6"]


def run_migration(directory: Path) -> None:
    """Crash in the middle of upgrading a store from revision 0001."""
    from kiosk.store.keys import KeyFileProvider
    from tests.kiosk.store.legacy import fill_0001

    kek = KeyFileProvider(directory / "store.key").create()
    db.migrate(db.make_engine(directory / "store.db"), "0001")
    rid = fill_0001(directory / "store.db", kek)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "YC_CRASHPOINT": "mid_migration:1"}
    result = subprocess.run([sys.executable, "-c", (
        "from pathlib import Path; from tests.kiosk.store.helpers import open_test_store; "
        f"open_test_store(Path({str(directory)!r}))"
    )], env=env, cwd=ROOT, capture_output=True, timeout=120, check=False)
    assert result.returncode == -signal.SIGKILL
    assert db.current_revision(db.make_engine(directory / "store.db")) == "0001"
    store = open_test_store(directory)
    assert store.application_content(rid)["values"]["applicant.name"] == "旧版本"
    store.close()


@pytest.mark.parametrize("run", range(RUNS))
@pytest.mark.parametrize("point", POINTS)
def test_crash_point(point: str, run: int, tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}:{point}:{run}")
    print(f"crash point {point} run {run} seed {SEED}")
    if point in {"before_commit", "after_commit"}:
        run_submit(tmp_path, point, rng)
    elif point == "mid_outbox_update":
        run_ack(tmp_path, rng)
    elif point == "mid_shred":
        run_shred(tmp_path, rng)
    else:
        run_migration(tmp_path)
    RESULTS[point] = RESULTS.get(point, 0) + 1


def test_a_crash_free_run_reports_every_submit(tmp_path: Path) -> None:
    reported = worker("submit", tmp_path, 5, None)
    store = open_test_store(tmp_path)
    verify(store, reported)
    assert store.count_applications() == 5
    store.close()
