"""Test-wide settings: no test may be skipped silently; property tests judge results, not speed."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, settings

# Speed is the benchmarks' business: on a fresh clone Hypothesis first builds its Unicode tables
# (seconds), and a loaded CI machine is slow, neither of which says anything about correctness.
settings.register_profile("yichuang", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("yichuang")

pytest_plugins = ["tests.central.fixtures",  # broker, central_url, central_db, sqlite_db
                  "tests.drivers.pcsc_fixtures"]  # pcscd (one per session), card_slot

_skipped: list[str] = []

# Each process running tests (each pytest-xdist worker, which inherits the controller's environment) gets a Kivy
# home of its own before anything imports Kivy: two workers importing Kivy at once on a fresh machine race to
# create ~/.kivy and its config.ini (Kivy checks, then creates, unguarded).
os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kivy-home-")
atexit.register(shutil.rmtree, os.environ["KIVY_HOME"], True)


X11 = ("tests/kiosk/ui/", "tests/deploy/test_kiosk_unit.py")  # the tests that start Xvfb servers and Kivy windows


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group tests for pytest-xdist (`make test`): a file stays on one worker, and every X11 test on the same one.

    Two workers each running Xvfb servers and Kivy windows broke each other's displays now and then
    (a window drawn on the other worker's 1920-pixel screen, an X connection killed); one worker
    draws every window, the other runs the rest.
    """
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group("x11" if path.startswith(X11) else path))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember every skipped test."""
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report the crash-point matrix when crash tests ran."""
    crashes = sys.modules.get("tests.kiosk.store.test_crashes")
    results = getattr(crashes, "RESULTS", None)
    if results:
        terminalreporter.section("crash points x runs (kill -9, invariants held)")
        for point, runs in sorted(results.items()):
            terminalreporter.write_line(f"{point:<20} {runs} runs, seed {crashes.SEED}")  # type: ignore[union-attr]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any test was skipped, unless YC_ALLOW_SKIP=1 says it is intended."""
    if _skipped and os.environ.get("YC_ALLOW_SKIP") != "1" and exitstatus == 0:
        session.exitstatus = 1
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"FAILED: {len(_skipped)} test(s) skipped; a skipped test is not a passed one "
                "(set YC_ALLOW_SKIP=1 to allow while debugging): " + ", ".join(_skipped[:5]),
                red=True,
            )
