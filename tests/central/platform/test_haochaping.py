"""The provincial 好差评 export: a real HTTP receiver that fails, loses answers and de-duplicates by record id."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from central.platform import cases, haochaping
from tests.central.platform.test_cases import RULES, fleet_with_ratings

NOW = datetime(2026, 10, 9, 9, tzinfo=UTC)


class Receiver(ThreadingHTTPServer):
    """The province's endpoint as the spec describes it: keeps one copy of each record id."""

    def __init__(self) -> None:
        """Listen on a free port of this host."""
        super().__init__(("127.0.0.1", 0), Handler)
        self.records: dict[str, dict[str, object]] = {}
        self.posts: list[str] = []  # the Idempotency-Key of every batch that arrived
        self.fail_next = 0  # answer 503 to this many batches, storing nothing
        self.lose_next = 0  # store this many batches, then answer 500 (the answer is lost)

    @property
    def url(self) -> str:
        """Return the endpoint's address."""
        return f"http://127.0.0.1:{self.server_address[1]}/haochaping"


class Handler(BaseHTTPRequestHandler):
    """Takes JSON lines, de-duplicating by id."""

    server: Receiver

    def do_POST(self) -> None:
        """Store the batch's records unless told to fail."""
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append(self.headers["Idempotency-Key"])
        if self.server.fail_next:
            self.server.fail_next -= 1
            self.send_response(503)
        else:
            for line in body.decode().splitlines():
                record = json.loads(line)
                self.server.records.setdefault(record["id"], record)
            lost = self.server.lose_next > 0
            self.server.lose_next -= int(lost)
            self.send_response(500 if lost else 204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Keep the test output clean."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_failures_are_retried_after_a_backoff_and_every_record_arrives_once(sqlite_db: Engine,
                                                                           receiver: Receiver) -> None:
    fleet_with_ratings(sqlite_db)
    cases.follow_up(sqlite_db, RULES, "r1lc0001", by="zhao", how="phone", outcome="已致歉", reached=True, now=NOW)
    post, receiver.fail_next = haochaping.http_post(receiver.url), 2
    assert haochaping.push(sqlite_db, post, NOW) == {"queued": 4, "sent": 0, "waiting": 4}
    assert haochaping.push(sqlite_db, post, NOW + timedelta(seconds=10))["sent"] == 0  # not due yet
    assert len(receiver.posts) == 1
    assert haochaping.push(sqlite_db, post, NOW + timedelta(seconds=31))["sent"] == 0  # failed again: 60 s now
    assert haochaping.push(sqlite_db, post, NOW + timedelta(seconds=60))["sent"] == 0
    assert haochaping.push(sqlite_db, post, NOW + timedelta(seconds=92)) == {"queued": 0, "sent": 4, "waiting": 0}
    assert len(receiver.posts) == 3
    ratings = {k: v for k, v in receiver.records.items() if v["type"] == "rating"}
    assert {v["level_name"] for v in ratings.values()} == {"非常不满意", "不满意", "非常满意"}
    assert {v["channel_name"] for v in receiver.records.values()} == {"自助服务端"}
    assert receiver.records["r1lc000100000000:1"]["outcome"] == "已致歉"
    assert haochaping.push(sqlite_db, post, NOW + timedelta(hours=1))["sent"] == 0  # nothing sent twice
    cases.follow_up(sqlite_db, RULES, "r2lc0001", by="zhao", how="sms", outcome="未回复", reached=False,
                    now=NOW + timedelta(hours=2))
    assert haochaping.push(sqlite_db, post, NOW + timedelta(hours=2)) == {"queued": 1, "sent": 1, "waiting": 0}
    assert len(receiver.records) == 5


def test_a_batch_whose_answer_was_lost_is_sent_again_and_kept_once(sqlite_db: Engine, receiver: Receiver) -> None:
    fleet_with_ratings(sqlite_db)
    post, receiver.lose_next = haochaping.http_post(receiver.url), 1
    assert haochaping.push(sqlite_db, post, NOW)["waiting"] == 3
    assert haochaping.push(sqlite_db, post, NOW + timedelta(minutes=1))["sent"] == 3
    assert receiver.posts[0] == receiver.posts[1]  # the same batch, the same idempotency key
    assert sorted(receiver.records) == ["r1lc000100000000", "r2lc000100000000", "r5bk000100000000"]


def test_the_commands_export_a_file_and_push_with_an_exit_code(sqlite_db: Engine, receiver: Receiver,
                                                              tmp_path: Path) -> None:
    from main import cli

    fleet_with_ratings(sqlite_db)
    db, out = ["--db", str(sqlite_db.url)], tmp_path / "haochaping.jsonl"
    exported = CliRunner().invoke(cli, ["central", "cases", "export", "--out", str(out), *db])
    assert exported.exit_code == 0, exported.output
    assert [json.loads(line)["type"] for line in out.read_text().splitlines()] == ["rating"] * 3
    later = CliRunner().invoke(cli, ["central", "cases", "export", "--since", "2026-10-01", "--out", str(out), *db])
    assert "0 records" in later.output
    bad = CliRunner().invoke(cli, ["central", "cases", "push", "--to", "http://example.org/x", *db])
    assert bad.exit_code == 2
    assert "must be https://" in bad.output
    receiver.fail_next = 1
    waiting = CliRunner().invoke(cli, ["central", "cases", "push", "--to", receiver.url, *db])
    assert waiting.exit_code == 3
    assert "3 new, 0 sent, 3 waiting" in waiting.output
