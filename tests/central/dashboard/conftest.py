"""Dashboard fixtures: headless Debian Chromium driven by Playwright (tests/central/dashboard/browser.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.central.dashboard.browser import CHROMIUM_ARGS


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless (Playwright drives it; it never downloads a browser of its own).

    Module-scoped on purpose: while Playwright's sync API is active it holds a running asyncio
    loop on the main thread, so later tests' ``asyncio.run`` would fail.
    """
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is missing: `make setup` installs it (deps/apt-packages.txt)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
