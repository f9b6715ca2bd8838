"""Ratings, help requests and refused cards through their use cases, into a real encrypted store and its outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.identity import DocumentType, Identity
from kiosk.services import feedback, identify
from kiosk.services.identify import Refusal, RefusalCode
from kiosk.services.session import Session
from kiosk.store import database as db
from kiosk.store import health, outbox
from kiosk.store.models import HelpRequestRow, RatingRow
from kiosk.store.store import Store
from tests.kiosk.store.helpers import OFFERING, open_test_store, submit


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_test_store(tmp_path)


def test_a_bad_rating_keeps_its_reasons_sealed_and_queues_it(store: Store) -> None:
    session = Session(OFFERING, datetime.now(UTC))
    application = submit(store)
    session.application = application
    rating = feedback.rate(store, session, 2, ["操作复杂", "等待时间长", "操作复杂"])
    with db.read(store.engine) as conn:
        row = conn.execute(select(RatingRow).where(RatingRow.id == rating)).first()
    assert row is not None
    assert (row.level, row.application_id) == (2, str(application.id))
    assert b"\xe6\x93\x8d" not in row.comment  # the reasons are ciphertext
    body = outbox.payload(store, next(e for e in outbox.pending(store) if e.record_id == rating))
    assert "操作复杂、等待时间长" in body.decode()


def test_a_good_rating_carries_no_reasons_and_an_unknown_reason_is_refused(store: Store) -> None:
    rating = feedback.rate(store, None, 5, ["等待时间长"])
    with db.read(store.engine) as conn:
        row = conn.execute(select(RatingRow).where(RatingRow.id == rating)).first()
    assert row is not None
    assert (row.level, row.comment, row.application_id) == (5, None, None)
    with pytest.raises(ValueError, match="unknown rating reasons"):
        feedback.rate(store, None, 1, ["<script>"])


def test_a_help_request_names_the_screen_and_the_item_never_the_citizen(store: Store) -> None:
    session = Session(OFFERING, datetime.now(UTC))
    request = feedback.call_for_help(store, "form", session)
    with db.read(store.engine) as conn:
        row = conn.execute(select(HelpRequestRow).where(HelpRequestRow.id == request)).first()
    assert row is not None
    assert (row.screen, row.item, row.application_id) == ("form", OFFERING.code, None)
    assert [e.kind for e in outbox.pending(store)] == ["help_request"]


def test_a_refused_card_is_counted_for_ops_without_the_cards_data(store: Store) -> None:
    card = Identity(DocumentType.RESIDENT_ID, name="赵错位", id_number="371502199001010014")
    identify.record_refusal(store, "SB-001", card, Refusal(RefusalCode.BAD_CHECK_DIGIT, "id_number"))
    [event] = store.events("card_refused")
    assert event["detail"] == {"code": "bad_check_digit", "field": "id_number", "document": "resident_id",
                               "item": "SB-001"}
    assert health.activity(store, "2000-01-01T00:00:00+00:00").cards_refused_today == 1
    assert health.activity(store, "2999-01-01T00:00:00+00:00").cards_refused_today == 0
