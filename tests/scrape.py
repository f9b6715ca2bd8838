"""Scrape a real /metrics listener: serve an exporter on a free loopback port and read it over HTTP."""

from __future__ import annotations

import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from central.platform.metrics import serve
from demo.ports import free_port

Families = dict[str, dict[tuple[tuple[str, str], ...], float]]  # sample name -> sorted labels -> value
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
            "summary": ("_sum", "_count", "_created")}


@contextmanager
def running(server: uvicorn.Server) -> Iterator[str]:
    """Wait until ``server`` listens; yield its /metrics URL, stop it after."""
    for _ in range(1000):  # readiness, not a speed assertion
        if server.started:
            break
        time.sleep(0.01)
    assert server.started, "the metrics listener did not start"
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}/metrics"
    finally:
        server.should_exit = True


@contextmanager
def listener(collectors: Iterable[Collector]) -> Iterator[str]:
    """Serve ``collectors`` as central's services do (``metrics.serve``); yield the /metrics URL."""
    with running(serve(f"127.0.0.1:{free_port()}", collectors)) as url:
        yield url


@contextmanager
def app_listener(app: FastAPI) -> Iterator[str]:
    """Serve an app (the fleet monitor's metrics app) on loopback; yield its /metrics URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    with running(server) as url:
        yield url


def _text(url: str) -> str:
    """Return the exposition text at ``url``."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a loopback URL the test made)
        assert response.headers["Content-Type"].startswith("text/plain")
        return str(response.read().decode())


def scrape(url: str) -> Families:
    """Return every sample the endpoint exposes, by name and labels."""
    families: Families = {}
    for family in text_string_to_metric_families(_text(url)):
        for sample in family.samples:
            families.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return families


def scrape_when_up(url: str, process: subprocess.Popen[str]) -> Families:
    """Scrape ``url`` once the service ``process`` listens (readiness, not a speed assertion)."""
    for _ in range(600):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            return scrape(url)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)
    raise AssertionError(f"nothing served {url}")


def exposed_names(url: str) -> set[str]:
    """Return every series name the endpoint can expose, labelled families with no sample yet included."""
    names: set[str] = set()
    for family in text_string_to_metric_families(_text(url)):
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}  # a counter: ..._total only
        names |= {sample.name for sample in family.samples}
    return names
