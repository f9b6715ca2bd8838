"""`yichuang fleet command` and `fleet commands`, as an operator runs them against central's database."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from central.platform.database import make_engine
from central.platform.registry import Registry
from provisioning import pki
from tests.common import ROOT


def yichuang(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False, input=stdin)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    base = tmp_path_factory.mktemp("commands")
    issuer = pki.init_ca(base / "ca", b"correct horse battery staple", ("127.0.0.1",))
    url = f"sqlite:///{base}/central.db"
    registry = Registry(make_engine(url))
    for terminal, hall in (("LC0001", "lc-center"), ("LC0002", "lc-center"), ("ZD0001", "zd-center")):
        cert = issuer.issue(terminal, ec.generate_private_key(ec.SECP256R1()).public_key(), 7)
        registry.add(terminal, cert.public_bytes(serialization.Encoding.PEM), hall=hall, site="hall")
    return url


def test_a_hall_notice_asks_first_then_queues_one_command_per_terminal(db_url: str) -> None:
    declined = yichuang("fleet", "command", "notice", "hall:lc-center", "--arg", "zh=本厅今日 17:00 闭厅",
                        "--by", "ops-li", "--db", db_url, stdin="n\n")
    assert declined.returncode == 1
    assert "send notice to 2 terminals (hall:lc-center)?" in declined.stderr
    sent = yichuang("fleet", "command", "notice", "hall:lc-center", "--arg", "zh=本厅今日 17:00 闭厅", "--rate", "1",
                    "--abort-pct", "50", "--by", "ops-li", "--db", db_url, stdin="y\n")
    assert sent.returncode == 0, sent.stderr
    assert "notice for 2 terminals (hall:lc-center), 1 a minute" in sent.stdout
    rollout = sent.stdout.split()[1].rstrip(":")
    shown = json.loads(yichuang("fleet", "commands", "--rollout", rollout, "--json", "--db", db_url).stdout)
    assert [(row["terminal"], row["status"]) for row in shown] == [("LC0001", "scheduled"), ("LC0002", "scheduled")]
    listed = yichuang("fleet", "commands", "--db", db_url).stdout
    assert "notice" in listed and "2 scheduled" in listed  # noqa: PT018


@pytest.mark.parametrize(("args", "message"), [
    (("diagnostics", "hall:no-such-hall"), "no terminal in service matches hall:no-such-hall"),
    (("diagnostics", "LC9999"), "no terminal in service matches terminal:LC9999"),
    (("notice", "LC0001", "--arg", "zh=\u202e反转"), "control characters"),
    (("notice", "LC0001", "--arg", "nonsense"), "NAME=VALUE"),
    (("diagnostics", "LC0001", "--expires", "90d"), "between 1m and 30d"),
])
def test_an_operator_mistake_is_one_line_and_exit_2(db_url: str, args: tuple[str, ...], message: str) -> None:
    done = yichuang("fleet", "command", *args, "--by", "ops-li", "--yes", "--db", db_url)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
