"""Drive the dashboard as ops do: a web server on a free port, Debian Chromium's flags here, logging in, screenshots."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from PIL import Image
from playwright.sync_api import Page

from demo.ports import free_port
from tests.central.dashboard.helpers import PASSWORD

# The flags this machine's notes give for a closed network: no background connections, no GPU, no sandbox as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SHOTS = "YC_SCREENSHOTS"


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def sign_in(page: Page, base: str, name: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would."""
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")


def shoot(page: Page, name: str) -> None:
    """Take a screenshot of ``page`` (into docs/screens/ when `make screenshots` asks) and check its pixels."""
    folder = Path(os.environ.get(SHOTS) or tempfile.gettempdir()) / ("" if os.environ.get(SHOTS) else "dashboard-shots")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dashboard-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        black = sum(count for count, colour in colours if colour == (0, 0, 0))
        assert len(colours) > 16, f"{path.name}: {len(colours)} colours, a blank page"
        assert black < 0.01 * image.size[0] * image.size[1], f"{path.name}: {black} black pixels"
