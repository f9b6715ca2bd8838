"""The provincial 好差评 export: every rating and every 回访 of this channel, once each (docs/haochaping.md).

Records are JSON lines keyed by a stable id (the rating's message id; ``rating:n`` for a 回访), so a
receiver keeps one copy of each whatever is sent twice. The push keeps a row per record in
``haochaping_sent``: a record is marked sent only after the receiver said 2xx for its batch; a batch
that failed (or whose answer was lost) is sent again after a backoff that doubles per attempt, and the
receiver's de-duplication by id makes that exactly once in effect. Nothing personal leaves but the 回访
outcome staff wrote for the province; rating comments stay sealed at central.
"""

from __future__ import annotations

import hashlib
import json
import ssl
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from central.platform.schema import feedback_cases, feedback_followups, haochaping_sent, messages, terminals

SCHEMA = "yichuang-haochaping/1"
CHANNEL = {"channel": "self_service_terminal", "channel_name": "自助服务端"}
LEVELS = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}
BATCH = 200
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
Post = Callable[[bytes], None]  # sends one batch of JSON lines; raises PushFailed on anything but 2xx
LOCAL = ("127.0.0.1", "localhost", "::1")  # plain HTTP only to this host (a local relay); HTTPS elsewhere


class PushFailed(Exception):
    """The receiver did not confirm a batch (an error answer, no answer, no connection)."""


def http_post(url: str, ca: str | None = None, timeout: float = 20.0) -> Post:
    """Return a poster to the province's endpoint ``url`` (HTTPS, or HTTP to this host); ``ca`` pins its CA."""
    parts = httpx.URL(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.host in LOCAL):
        raise ValueError(f"{url}: the 好差评 endpoint must be https:// (plain http only to this host)")

    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca) if ca else True

    def post(body: bytes) -> None:
        """Send one batch; raise PushFailed unless the answer is 2xx."""
        key = hashlib.sha256(body).hexdigest()  # the same batch sent again carries the same key
        try:
            answer = httpx.post(url, content=body, timeout=timeout, verify=verify,
                                headers={"Content-Type": "application/x-ndjson", "Idempotency-Key": key})
        except httpx.HTTPError as exc:
            raise PushFailed(f"{type(exc).__name__}: {exc}") from exc
        if not answer.is_success:
            raise PushFailed(f"HTTP {answer.status_code}")

    return post


def records(conn: Connection, since: str = "") -> Iterator[dict[str, Any]]:
    """Yield every rating received since ``since`` (ISO time, "" for all), then every 回访, oldest first."""
    rated = aliased(messages)
    query = (select(messages.c.id, messages.c.terminal, messages.c.level, messages.c.created,
                    messages.c.received_at, terminals.c.hall, rated.c.item, rated.c.number)
             .outerjoin(terminals, terminals.c.id == messages.c.terminal)
             .outerjoin(rated, and_(rated.c.id == messages.c.application_id, rated.c.kind == "application"))
             .where(messages.c.kind == "rating", messages.c.received_at >= since).order_by(messages.c.received_at))
    followups = (select(feedback_followups, feedback_cases.c.due)
                 .join(feedback_cases, feedback_cases.c.rating == feedback_followups.c.rating)
                 .where(feedback_followups.c.at >= since).order_by(feedback_followups.c.n))
    for r in conn.execute(query):
        yield {"schema": SCHEMA, "type": "rating", "id": r.id, **CHANNEL, "hall": r.hall or "",
               "terminal": r.terminal, "item": r.item, "application_number": r.number, "level": r.level,
               "level_name": LEVELS.get(r.level, ""), "rated_at": r.created, "received_at": r.received_at}
    for f in conn.execute(followups):
        yield {"schema": SCHEMA, "type": "follow_up", "id": f"{f.rating}:{f.n}", "rating": f.rating, **CHANNEL,
               "at": f.at, "how": f.how, "reached": bool(f.reached), "outcome": f.outcome, "case_due": f.due}


def _time(record: dict[str, Any]) -> str:
    """Return when central learnt of a record: a rating's arrival, a 回访's recording."""
    return str(record["received_at"] if record["type"] == "rating" else record["at"])


def lines(batch: list[dict[str, Any]]) -> bytes:
    """Return records as UTF-8 JSON lines."""
    return b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode() + b"\n" for r in batch)


def enqueue(engine: Engine) -> int:
    """Give every record not queued yet its row in haochaping_sent; return how many were added."""
    with engine.begin() as conn:
        since = conn.execute(select(func.max(haochaping_sent.c.at))).scalar() or ""  # newer ones, and that instant's
        known = set(conn.execute(select(haochaping_sent.c.record).where(haochaping_sent.c.at >= since)).scalars())
        fresh = [{"record": r["id"], "type": r["type"], "at": _time(r), "document": json.dumps(r, ensure_ascii=False),
                  "attempts": 0} for r in records(conn, since) if r["id"] not in known]
        if fresh:  # two pushers at once: the second one's rows are skipped, not an error
            upsert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(haochaping_sent)
            conn.execute(upsert.on_conflict_do_nothing(index_elements=["record"]), fresh)
    return len(fresh)


def push(engine: Engine, post: Post, now: datetime) -> dict[str, int]:
    """Queue new records, then send every due one in batches until one fails; return counts."""
    queued, sent = enqueue(engine), 0
    while True:
        with engine.connect() as conn:
            due = conn.execute(select(haochaping_sent.c.record, haochaping_sent.c.document)
                               .where(haochaping_sent.c.sent_at.is_(None),
                                      or_(haochaping_sent.c.next_at.is_(None),
                                          haochaping_sent.c.next_at <= now.isoformat()))
                               .order_by(haochaping_sent.c.n).limit(BATCH)).all()
        if not due:
            break
        ids = [row.record for row in due]
        try:
            post(lines([json.loads(row.document) for row in due]))
        except PushFailed as exc:  # the receiver or the network: retried later
            _failed(engine, ids, now, str(exc)[:200])
            break
        with engine.begin() as conn:
            conn.execute(update(haochaping_sent).where(haochaping_sent.c.record.in_(ids))
                         .values(sent_at=now.isoformat(), attempts=haochaping_sent.c.attempts + 1, last_error=None))
        sent += len(ids)
    return {"queued": queued, "sent": sent, "waiting": waiting(engine)}


def _failed(engine: Engine, ids: list[str], now: datetime, error: str) -> None:
    """Count a failed attempt and set the next one after a backoff that doubles per attempt."""
    with engine.begin() as conn:
        attempts = conn.execute(select(func.max(haochaping_sent.c.attempts))
                                .where(haochaping_sent.c.record.in_(ids))).scalar() or 0
        delay = min(FIRST_RETRY * 2 ** min(attempts, 12), MAX_RETRY)
        conn.execute(update(haochaping_sent).where(haochaping_sent.c.record.in_(ids)).values(
            attempts=haochaping_sent.c.attempts + 1, next_at=(now + delay).isoformat(), last_error=error))


def waiting(engine: Engine) -> int:
    """Return how many records the receiver has not confirmed yet."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(haochaping_sent.c.sent_at.is_(None))).scalar_one())
