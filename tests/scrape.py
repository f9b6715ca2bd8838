"""Scrape a real /metrics listener: start ``central.platform.metrics.serve`` on a free port and read it over HTTP."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from central.platform.metrics import serve
from demo.ports import free_port

Families = dict[str, dict[tuple[tuple[str, str], ...], float]]  # family -> sorted labels -> value


@contextmanager
def listener(collectors: Iterable[Collector]) -> Iterator[str]:
    """Serve ``collectors`` on loopback; yield the /metrics URL, stop the server after."""
    server = serve(f"127.0.0.1:{free_port()}", collectors)
    for _ in range(500):  # readiness, not a speed assertion
        if server.started:
            break
        time.sleep(0.01)
    assert server.started, "the metrics listener did not start"
    try:
        yield f"http://127.0.0.1:{server.config.port}/metrics"
    finally:
        server.should_exit = True


def scrape(url: str) -> Families:
    """Return every sample the endpoint exposes, by family and labels."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a loopback URL the test made)
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    families: Families = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            families.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return families
