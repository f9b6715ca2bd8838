"""Prometheus metrics of central's services: ingest, enrollment, and how long the CRL and service certificates last.

Each service keeps its own counters (prometheus_client objects outside the global registry, so two
services in one process or one test never share a count) and serves them on a listener of its own,
as the fleet monitor does: never beside anything a proxy publishes. Labels are bounded (message
kinds, reason codes, outcomes, certificate names): no terminal id, no personal data. Expiry is read
from the files on every scrape, so a renewed certificate or a re-signed CRL shows at once.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from cryptography import x509
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

BATCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)  # seconds
SERVICE_CERTIFICATES = ("broker", "central", "fleet")  # services/<name>.pem of the CA directory


class MetricsAddressError(ValueError):
    """A metrics listener address that is not HOST:PORT, or one nothing can listen on (in use, not this host's)."""


class IngestMetrics:
    """What central ingest counts: messages stored by kind, refused by reason, copies, batch latency, failures, 秒批."""

    def __init__(self) -> None:
        """Make the counters, outside any registry until one collects them."""
        self.stored = Counter("yichuang_ingest_stored", "Messages stored for the first time, by kind",
                              ["kind"], registry=None)
        self.refused = Counter("yichuang_ingest_refused", "Messages refused with a reject ack, by reason code",
                               ["reason"], registry=None)
        self.duplicates = Counter("yichuang_ingest_duplicates", "Copies acknowledged again (resends, QoS 1 "
                                  "redelivery, replays)", registry=None)
        self.batch_seconds = Histogram("yichuang_ingest_batch_seconds", "Time to verify, store and ack one batch "
                                       "(bundles included)", buckets=BATCH_BUCKETS, registry=None)
        self.batch_failures = Counter("yichuang_ingest_batch_failures", "Batches not stored because the database "
                                      "was down (their terminals resend)", registry=None)
        self.instant = Counter("yichuang_ingest_instant", "秒批 applications decided on arrival, by verdict "
                               "(approve, or person: a rule did not hold or could not decide)", ["verdict"],
                               registry=None)

    def collectors(self) -> list[Collector]:
        """Return what a registry collects."""
        return [self.stored, self.refused, self.duplicates, self.batch_seconds, self.batch_failures, self.instant]


class EnrollmentMetrics:
    """What the enrollment service counts: answers by outcome (ok or the refusal's reason), requests over the rate."""

    def __init__(self) -> None:
        """Make the counters, outside any registry until one collects them."""
        self.answers = Counter("yichuang_enrollments", "Claim requests answered, by outcome (ok or the reason "
                               "code of the refusal)", ["outcome"], registry=None)
        self.dropped = Counter("yichuang_enrollment_requests_dropped", "Claim requests dropped unanswered (over "
                               "their medium's rate, or malformed)", registry=None)

    def collectors(self) -> list[Collector]:
        """Return what a registry collects."""
        return [self.answers, self.dropped]


class Copies(Collector):
    """`central serve --workers N`: its ingest processes configured, running ready, and started again."""

    def __init__(self, configured: int, ready: Callable[[], int], restarts: Callable[[], int]) -> None:
        """Read the supervisor's figures through ``ready`` and ``restarts`` at every scrape."""
        self.configured, self.ready, self.restarts = configured, ready, restarts

    def collect(self) -> Iterator[Metric]:
        """Yield the processes configured and ready, and how many times one was started again."""
        yield GaugeMetricFamily("yichuang_ingest_processes", "Ingest processes configured (--workers)",
                                value=self.configured)
        yield GaugeMetricFamily("yichuang_ingest_processes_ready", "Ingest processes running that said READY",
                                value=self.ready())
        yield CounterMetricFamily("yichuang_ingest_process_restarts", "Ingest processes started again after one "
                                  "exited or hung", value=self.restarts())


class Expiry(Collector):
    """Seconds until each named certificate's notAfter and each CRL copy's nextUpdate, read at every scrape."""

    def __init__(self, certificates: Mapping[str, Path], crls: Mapping[str, Path] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        """Watch ``certificates`` and ``crls`` (name to PEM file: ``ca`` the CA's CRL, ``broker`` the broker's copy)."""
        self.certificates, self.crls, self.clock = dict(certificates), dict(crls or {}), clock

    @classmethod
    def of_ca(cls, ca_dir: Path, broker_dir: Path | None = None,
              clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Expiry:
        """Watch a CA directory's CRL, issuing CA and service certificates, and the CRL copy a broker loads."""
        named = {name: ca_dir / "services" / f"{name}.pem" for name in SERVICE_CERTIFICATES}
        crls = {"ca": ca_dir / "issuing" / "crl.pem", **({"broker": broker_dir / "crl.pem"} if broker_dir else {})}
        return cls({**named, "issuing_ca": ca_dir / "issuing" / "ca.pem"}, crls, clock)

    def collect(self) -> Iterator[Metric]:
        """Yield the expiry gauges, and which files could not be read (a missing sample must not look healthy)."""
        now = self.clock()
        certs = GaugeMetricFamily("yichuang_certificate_expiry_seconds", "Seconds until the certificate expires "
                                  "(negative: expired)", labels=["certificate"])
        crls = GaugeMetricFamily("yichuang_crl_next_update_seconds", "Seconds until the CRL lapses (a broker then "
                                 "refuses every client; negative: lapsed)", labels=["crl"])
        readable = GaugeMetricFamily("yichuang_expiry_file_ok", "1 when the certificate or CRL file reads, 0 when "
                                     "it is missing or garbage", labels=["file"])
        for family, files, read, prefix in ((certs, self.certificates, _not_after, ""),
                                             (crls, self.crls, _next_update, "crl_")):
            for name, path in sorted(files.items()):
                until = read(path)
                readable.add_metric([prefix + name], until is not None)
                if until is not None:
                    family.add_metric([name], (until - now).total_seconds())
        yield from (certs, crls, readable)


def _not_after(path: Path) -> datetime | None:
    """Return a PEM certificate's notAfter, or None when the file is missing or not a certificate."""
    try:
        return x509.load_pem_x509_certificate(path.read_bytes()).not_valid_after_utc
    except (OSError, ValueError):
        return None


def _next_update(path: Path) -> datetime | None:
    """Return a PEM CRL's nextUpdate, or None when the file is missing, not a CRL, or has none."""
    try:
        return x509.load_pem_x509_crl(path.read_bytes()).next_update_utc
    except (OSError, ValueError):
        return None


def registry_of(collectors: Iterable[Collector]) -> CollectorRegistry:
    """Return a registry of its own collecting ``collectors``."""
    registry = CollectorRegistry()
    for collector in collectors:
        registry.register(collector)
    return registry


def parse_address(address: str) -> tuple[str, int]:
    """Return the host and port of ``HOST:PORT`` (host defaults to 127.0.0.1); refuse anything else."""
    host, colon, port = address.rpartition(":")
    if not colon or not port.isdigit() or not 0 < int(port) < 65536:
        raise MetricsAddressError(f"{address!r} is not HOST:PORT (e.g. 127.0.0.1:9109)")
    return host.strip("[]") or "127.0.0.1", int(port)


def metrics_app(registry: CollectorRegistry) -> FastAPI:
    """Build an app serving only /metrics of ``registry``."""
    app = FastAPI(title="Yichuang metrics", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        """Prometheus metrics (bounded labels; no personal data)."""
        return PlainTextResponse(generate_latest(registry).decode(), media_type=CONTENT_TYPE_LATEST)
    return app


def serve(address: str, collectors: Iterable[Collector]) -> uvicorn.Server:
    """Serve /metrics of ``collectors`` on ``address`` (HOST:PORT) in a thread; set ``should_exit`` to stop it.

    The socket is bound here, so a port in use or an address not this host's is the caller's error now
    rather than a service left running unwatched.
    """
    host, port = parse_address(address)
    try:
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        raise MetricsAddressError(f"cannot serve /metrics on {address}: {exc.strerror or exc}") from None
    server = uvicorn.Server(uvicorn.Config(metrics_app(registry_of(collectors)), log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="metrics", daemon=True).start()
    return server
