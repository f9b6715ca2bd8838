"""Every exporter central runs, each served on a real loopback listener and scraped: what names they expose."""

from __future__ import annotations

import re
from pathlib import Path

from central.api.app import metrics_app
from central.platform.cases import CaseMetrics, Rules
from central.platform.database import make_engine
from central.platform.metrics import Copies, Expiry
from provisioning import pki
from provisioning.service import Enroller
from tests.central.monitor.helpers import fleet
from tests.scrape import app_listener, exposed_names, listener
from tests.sync.stack import Central

PROMETHEUS_OWN = frozenset({"up", "ALERTS", "ALERTS_FOR_STATE"})  # series Prometheus makes itself
SERIES = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{|\[|\)|$|[=<>!]=?|/)")  # a name, then no "("
KEYWORDS = {"by", "without", "or", "and", "unless", "on", "ignoring"}


def series_of(expr: str) -> set[str]:
    """Return the series names a PromQL expression selects (functions, grouping labels and matchers left out)."""
    bare = re.sub(r"\{[^}]*\}", "{}", re.sub(r"\b(?:by|without|on|ignoring) \([^)]*\)", "", expr))
    return {name for name in SERIES.findall(re.sub(r"\[[^]]*\]", "[]", bare)) if name not in KEYWORDS}


def scraped_names(directory: Path) -> set[str]:
    """Scrape the fleet monitor, central ingest and the enrollment service; return every name they expose."""
    engine = make_engine(f"sqlite:///{directory}/central.db")
    monitor, book = fleet(directory / "fleet", engine)
    ca = pki.init_ca(directory / "ca", b"correct horse battery", ("localhost",))
    central = Central(directory / "central", engine)
    enroller = Enroller(engine, ca)
    names: set[str] = set()
    with app_listener(metrics_app(monitor, book)) as url:
        names |= exposed_names(url)
    cases = CaseMetrics(engine, Rules(central.ingest.archive.newest().calendar))
    with listener([*central.ingest.metrics.collectors(), Expiry({"central": ca.directory / "services/central.pem"}),
                   cases, Copies(2, lambda: 2, lambda: 0)]) as url:
        names |= exposed_names(url)
    with listener([*enroller.metrics.collectors(), Expiry.of_ca(ca.directory)]) as url:
        names |= exposed_names(url)
    engine.dispose()
    return names
