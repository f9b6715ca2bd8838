"""#23 defect 1, #21 finding 14: `central serve --keys <ca>/central` opens the keys `provision ca init` made.

The documented commands run as subprocesses, as an operator would: `provision ca init`,
`provision broker-config`, mosquitto, then `central serve` with the passphrase from the environment,
from systemd's credential directory (`LoadCredential=`) or from `--passphrase-file`; never on the
command line.
"""

from __future__ import annotations

import getpass
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from central.platform import keys
from demo.devstack import start_mosquitto
from demo.ports import free_port
from tests.common import ROOT

PASSPHRASE = "correct horse battery staple"  # noqa: S105 - a test CA's
CLEAN = {k: v for k, v in os.environ.items() if k not in {"YC_CA_PASSPHRASE", "CREDENTIALS_DIRECTORY"}}


@dataclass
class Installed:
    """A CA made by `provision ca init` and a broker from `provision broker-config`."""

    ca: Path
    port: int
    db_url: str


def yichuang(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False, env={**CLEAN, **env})


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("central-keys")
    ca, port = base / "ca", free_port()
    made = yichuang("provision", "ca", "init", "--ca-dir", str(ca), "--broker-name", "127.0.0.1",
                    env={"YC_CA_PASSPHRASE": PASSPHRASE})
    assert made.returncode == 0, made.stderr
    config = yichuang("provision", "broker-config", "--ca-dir", str(ca), "--out", str(base / "broker"), "--port",
                      str(port), "--bind", "127.0.0.1", "--services-port", str(free_port()),  # not 8884: shared
                      "--run-as", getpass.getuser(), env={})
    assert config.returncode == 0, config.stderr
    broker = start_mosquitto(base / "broker" / "mosquitto.conf", port)
    yield Installed(ca, port, f"sqlite:///{base}/central.db")
    broker.terminate()
    broker.wait(timeout=10)


def serve_args(installed: Installed, *extra: str) -> list[str]:
    """The documented `central serve` command line for a CA directory."""
    ca = installed.ca
    return ["central", "serve", "--broker", f"mqtts://127.0.0.1:{installed.port}", "--ca", str(ca / "chain.pem"),
            "--cert", str(ca / "services" / "central.pem"), "--key", str(ca / "services" / "central.key"),
            "--keys", str(ca / "central"), "--db", installed.db_url, *extra]


def serve_until_subscribed(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Start `central serve`; once it says it is subscribed (or exits), stop it; return its exit code and stderr."""
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], stderr=subprocess.PIPE, text=True,
                               cwd=ROOT, env={**CLEAN, **env})
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stderr or ():
            lines.put(line)
        lines.put(None)  # end of output: the process closed its stderr

    threading.Thread(target=read, daemon=True).start()
    seen = []
    try:
        while (line := lines.get(timeout=60)) is not None:
            seen.append(line)
            if "(subscribed)" in line:
                process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    finally:
        process.kill()
    return code, "".join(seen)


def test_central_serve_opens_the_ca_inits_keys_with_the_passphrase_from_the_environment(installed: Installed) -> None:
    code, err = serve_until_subscribed(serve_args(installed), {"YC_CA_PASSPHRASE": PASSPHRASE})
    assert code == 0, err
    assert "ingest on" in err
    assert "remote commands off (no --command-key)" in err
    assert "stopped" in err


def test_central_serve_with_the_command_key_delivers_remote_commands(installed: Installed) -> None:
    args = serve_args(installed, "--command-key", str(installed.ca / "signing" / "command.key"))
    code, err = serve_until_subscribed(args, {"YC_CA_PASSPHRASE": PASSPHRASE})
    assert code == 0, err
    assert "remote commands on" in err


def test_central_serve_takes_the_passphrase_from_systemds_credentials_or_a_file(
        installed: Installed, tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "central-keys-passphrase").write_text(PASSPHRASE + "\n")  # as LoadCredential= hands it over
    code, err = serve_until_subscribed(serve_args(installed), {"CREDENTIALS_DIRECTORY": str(credentials)})
    assert code == 0, err
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE)
    code, err = serve_until_subscribed(serve_args(installed, "--passphrase-file", str(secret)), {})
    assert code == 0, err


def test_central_serve_without_or_with_a_wrong_passphrase_says_so_in_one_line(
        installed: Installed, tmp_path: Path) -> None:
    code, err = serve_until_subscribed(serve_args(installed), {})
    assert code == 2, err  # the operator's mistake
    assert "encrypted" in err
    assert "YC_CA_PASSPHRASE" in err
    assert "internal error" not in err
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase at all")
    code, err = serve_until_subscribed(serve_args(installed, "--passphrase-file", str(wrong)), {})
    assert code == 2, err
    assert "wrong passphrase" in err
    assert "Traceback" not in err


def test_the_passphrase_sources_in_order_and_a_file_that_is_no_passphrase(tmp_path: Path) -> None:
    given, credentials = tmp_path / "given", tmp_path / "credentials"
    credentials.mkdir()
    given.write_bytes(b"from the option\r\n")
    (credentials / keys.CREDENTIAL).write_bytes(b"from systemd\n")
    environ = {"CREDENTIALS_DIRECTORY": str(credentials), "YC_CA_PASSPHRASE": "from the environment"}
    assert keys.passphrase(given, environ) == b"from the option"
    assert keys.passphrase(None, environ) == b"from systemd"
    assert keys.passphrase(None, {**environ, "CREDENTIALS_DIRECTORY": str(tmp_path / "none")}) == b"from the environment"
    assert keys.passphrase(None, {}) is None
    huge = tmp_path / "huge"
    huge.write_bytes(b"x" * 10_000_000)
    with pytest.raises(keys.CentralKeyError, match="not a passphrase"):
        keys.passphrase(huge, {})
