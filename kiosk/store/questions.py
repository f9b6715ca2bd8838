"""Questions for central in the store: the kiosk asks, the sync agent carries them over MQTT 5 and back.

The kiosk and the agent are two processes; the store is where they meet, as for commands. A
question is sealed to central's key and its answer under a key only the asking kiosk holds in
memory, so neither is readable here. A row is deleted as soon as the kiosk has read the answer or
given up, and the agent deletes any left after ``STALE`` (a kiosk that was restarted mid-question).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update

from kiosk.store import database as db
from kiosk.store.models import QuestionRow
from kiosk.store.store import Store

STALE = timedelta(minutes=1)


def ask(store: Store, correlation: str, question: bytes) -> None:
    """Hand a sealed question to the sync agent."""
    with db.write(store.engine) as conn:
        conn.execute(insert(QuestionRow).values(id=correlation, question=question, asked_at=store.now(),
                                                sent_at=None, answer=None))


def unsent(store: Store, now: datetime) -> list[tuple[str, bytes, float]]:
    """Return the questions to send (id, bytes, seconds they have waited); forget stale ones (read first: no lock)."""
    with db.read(store.engine) as conn:
        rows = conn.execute(select(QuestionRow.id, QuestionRow.question, QuestionRow.asked_at, QuestionRow.sent_at)
                            ).all()
    stale = [row.id for row in rows if now - datetime.fromisoformat(row.asked_at) > STALE]
    if stale:
        with db.write(store.engine) as conn:
            conn.execute(delete(QuestionRow).where(QuestionRow.id.in_(stale)))
    return [(row.id, row.question, (now - datetime.fromisoformat(row.asked_at)).total_seconds())
            for row in rows if row.sent_at is None and row.id not in stale]


def sent(store: Store, correlation: str) -> None:
    """Note that the broker has the question."""
    with db.write(store.engine) as conn:
        conn.execute(update(QuestionRow).where(QuestionRow.id == correlation).values(sent_at=store.now()))


def answered(store: Store, correlation: str, answer: bytes) -> bool:
    """Keep central's sealed answer for the question it names; return False when no such question waits."""
    with db.write(store.engine) as conn:
        done = conn.execute(update(QuestionRow).where(QuestionRow.id == correlation, QuestionRow.answer.is_(None))
                            .values(answer=answer))
    return bool(done.rowcount)


def answer_of(store: Store, correlation: str) -> bytes | None:
    """Return the sealed answer to a question, or None while there is none."""
    with db.read(store.engine) as conn:
        return conn.execute(select(QuestionRow.answer).where(QuestionRow.id == correlation)).scalar_one_or_none()


def forget(store: Store, correlation: str) -> None:
    """Delete a question and its answer (read, or given up)."""
    with db.write(store.engine) as conn:
        conn.execute(delete(QuestionRow).where(QuestionRow.id == correlation))
