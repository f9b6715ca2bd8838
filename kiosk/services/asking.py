"""Use case: 进度查询 online — ask central, by receipt number or by the citizen's own ID card, from any terminal.

The question is sealed to central's key and left in the store for the sync agent, which carries it
as an MQTT 5 request; the answer comes back sealed under a key this object keeps in memory only,
so the store never holds either in clear and both are deleted as soon as they are read. With no
answer within ``timeout`` (the network is down, central is busy) the caller falls back to what
this terminal knows, labelled with its age.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from domain.catalog import Catalog
from domain.lifecycle import State
from kiosk.services.progress import NotFound, Progress, item_name, look_up, normal, owed_names
from kiosk.store import questions
from kiosk.store.store import Store
from protocol.query import CORRELATION, VALUE, Answer, Found, QueryError, ask, read_answer
from protocol.receipt_token import TokenError, verify

POLL_S = 0.1


@dataclass
class Asker:
    """Asks central through the sync agent and waits for the answer (blocking: call it off the UI thread)."""

    store: Store
    central: x25519.X25519PublicKey
    terminal: str
    timeout: float = 8.0
    sleep: Callable[[float], None] = time.sleep

    def ask(self, by: str, value: str) -> Answer | None:
        """Return central's answer to a question by ``by``, or None when none came in time (or it was unreadable)."""
        question, sealed = ask(by, value, self.central, self.terminal)
        correlation = os.urandom(CORRELATION)
        questions.ask(self.store, correlation.hex(), sealed)
        try:
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                payload = questions.answer_of(self.store, correlation.hex())
                if payload is not None:
                    return read_answer(payload, question, correlation)
                self.sleep(POLL_S)
            return None
        except QueryError:  # not central's answer to this question: as good as none
            return None
        finally:
            questions.forget(self.store, correlation.hex())


def _public(path: Path) -> object:
    """Return the public key in a PEM file (None: no file yet, or not a key)."""
    try:
        return serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError):
        return None


def central_key(path: Path) -> x25519.X25519PublicKey | None:
    """Return central's X25519 public key from its PEM file (None: not enrolled yet, lookups stay local)."""
    key = _public(path)
    return key if isinstance(key, x25519.X25519PublicKey) else None


def ack_key(path: Path) -> ed25519.Ed25519PublicKey | None:
    """Return central's Ed25519 public key (acks, receipt delegations) from its PEM file (None: not enrolled yet)."""
    key = _public(path)
    return key if isinstance(key, ed25519.Ed25519PublicKey) else None


def progress_of(found: Found, catalog: Catalog, as_of: datetime) -> Progress | None:
    """Return central's word on one application as the screen shows it (None: a state this terminal cannot name)."""
    try:
        state, submitted = State(found.state), datetime.fromisoformat(found.submitted)
        due = date.fromisoformat(found.due) if found.due else None
    except ValueError:
        return None
    return Progress(found.number, item_name(catalog, found.item), state, submitted, found.reason,
                    owed_names(catalog, found.owed), as_of, live=True, due=due, owed_ids=found.owed,
                    item_code=found.item)


def listed(answer: Answer, catalog: Catalog) -> list[Progress]:
    """Return the applications of an answer the screen can show, newest first as central sent them."""
    as_of = datetime.fromisoformat(answer.as_of)
    return [p for p in (progress_of(f, catalog, as_of) for f in answer.found) if p is not None]


def by_number(store: Store, catalog: Catalog, asker: Asker | None, typed: str) -> Progress | NotFound:
    """Return an application's progress by receipt number: central's word if it answers, else this terminal's."""
    here = look_up(store, catalog, typed)
    if here is NotFound.MALFORMED or asker is None:
        return here
    answer = asker.ask("number", normal(typed))
    if answer is None or answer.error == "unavailable":
        return here  # labelled with its age; ELSEWHERE says central could not be asked
    shown = listed(answer, catalog)
    if shown:
        return shown[0]
    if isinstance(here, Progress):
        return here  # made here and not yet at central (or central's word is unreadable here)
    return NotFound.BUSY if answer.error == "rate_limited" else NotFound.UNKNOWN


def by_card(catalog: Catalog, asker: Asker | None, id_number: str) -> list[Progress] | NotFound:
    """Return the card holder's applications as central knows them (this terminal alone cannot search by holder)."""
    value = "".join(id_number.split()).upper()
    if not VALUE.fullmatch(value):
        return NotFound.NOT_ID
    if asker is None:
        return NotFound.OFFLINE
    answer = asker.ask("card", value)
    if answer is None or answer.error == "unavailable":
        return NotFound.OFFLINE
    if answer.error == "rate_limited":
        return NotFound.BUSY
    return listed(answer, catalog)


def scanned(payload: str, vouching: ed25519.Ed25519PublicKey | None) -> str | NotFound:
    """Return the receipt number a scanned receipt QR proves (verified offline with central's key), or why not.

    A QR scanner types the QR's text (the progress address with the signed token last); the number it
    names is looked up like a typed one, but only once central's signature on it holds.
    """
    token = payload.strip().rsplit("/", 1)[-1].rsplit("=", 1)[-1]
    if vouching is None:
        return NotFound.UNVERIFIED
    try:
        return verify(token, vouching).number
    except TokenError:
        return NotFound.UNVERIFIED
