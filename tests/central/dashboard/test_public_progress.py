"""The public progress page a receipt's QR opens, in headless Chromium: no login, state only, verified tokens only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, insert

from central.auth.accounts import Accounts
from central.platform import status
from central.platform.schema import messages
from central.web import create_app
from domain.numbering import receipt_number
from protocol.receipt_token import delegate, sign
from tests.central.dashboard.browser import serving, shoot
from tests.central.dashboard.helpers import guard_with_accounts
from tests.central.monitor.helpers import fleet
from tests.kiosk.store.helpers import CATALOG

CENTRAL = ed25519.Ed25519PrivateKey.generate()
RECEIPT_KEY = ed25519.Ed25519PrivateKey.generate()
NUMBER = receipt_number("LC0001", date(2026, 12, 3), 1)


def token(number: str = NUMBER, central: ed25519.Ed25519PrivateKey = CENTRAL) -> str:
    """Return the token LC0001 printed on the receipt of ``number``, under a delegation by ``central``."""
    return sign(number, delegate(central, "LC0001", RECEIPT_KEY.public_key(), date(2027, 3, 1)), RECEIPT_KEY)


def received(engine: Engine) -> None:
    """Store the application as central's ingest does (its sealed bytes do not matter here)."""
    now = datetime.now(UTC).isoformat()
    with engine.begin() as conn:
        conn.execute(insert(messages).values(id="app-0001", terminal="LC0001", seq=1, kind="application",
                                             created="2026-12-03T09:14:00+08:00", received_at=now, item="SB-001",
                                             number=NUMBER, envelope=b"sealed"))


def test_the_receipts_qr_opens_its_state_without_a_login_and_a_forged_one_shows_nothing(
        tmp_path: Path, sqlite_db: Engine, chromium: Browser) -> None:
    monitor, book = fleet(tmp_path, sqlite_db)
    received(sqlite_db)
    app = create_app(monitor, book, guard_with_accounts(Accounts(sqlite_db)), vouching=CENTRAL.public_key(),
                     catalog=CATALOG)
    with serving(app) as base:
        page = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()  # a phone
        page.goto(f"{base}/p/{token()}")
        expect(page.locator("h1.number")).to_have_text(NUMBER)
        expect(page.locator("#state")).to_have_text("已收到，等待受理")
        expect(page.locator("#item")).to_have_text(CATALOG.offering("SB-001").name.zh)
        status.change(sqlite_db, status.Change(NUMBER, "accepted", "clerk-wang"), datetime.now(UTC))
        page.reload()
        expect(page.locator("#state")).to_have_text("已受理，正在办理")
        shoot(page, "public-progress")
        assert "LC0001" not in page.locator("nav").all_inner_texts()  # no dashboard navigation for the public
        other = receipt_number("LC0001", date(2026, 12, 3), 2)
        for forged in (NUMBER, token(central=ed25519.Ed25519PrivateKey.generate()), other + token()[len(NUMBER):]):
            page.goto(f"{base}/p/{forged}")
            expect(page.locator("main [role=alert]")).to_contain_text("无法验证")
            expect(page.locator("#state")).to_have_count(0)
        page.goto(f"{base}/p/{token(other)}")  # genuine, but the terminal has not sent it yet
        expect(page.locator("main [role=status]")).to_contain_text("尚未收到")


def test_someone_trying_many_codes_is_slowed_down(tmp_path: Path, sqlite_db: Engine) -> None:
    monitor, book = fleet(tmp_path, sqlite_db)
    app = create_app(monitor, book, guard_with_accounts(Accounts(sqlite_db)), vouching=CENTRAL.public_key())
    client = TestClient(app, base_url="https://testserver")
    answers = [client.get(f"/p/{receipt_number('LC0001', date(2026, 12, 3), n)}").status_code for n in range(1, 23)]
    assert answers[:20] == [404] * 20
    assert answers[-1] == 429


def test_without_centrals_key_there_is_no_public_page(tmp_path: Path, sqlite_db: Engine) -> None:
    monitor, book = fleet(tmp_path, sqlite_db)
    client = TestClient(create_app(monitor, book, guard_with_accounts(Accounts(sqlite_db))), base_url="https://testserver")
    assert client.get(f"/p/{token()}", follow_redirects=False).status_code == 404
