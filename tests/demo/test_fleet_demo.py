"""`yichuang fleet demo` (the last step of `make demo`): prints the dashboard's address and logins, and serves it."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from demo.devstack import yichuang
from demo.fleet_demo import DEMO_PASSWORD
from demo.ports import free_port
from tests.central.dashboard.helpers import log_in


def test_the_fleet_demo_prints_its_address_and_a_login_that_works(tmp_path: Path) -> None:
    port = free_port()
    demo = subprocess.Popen(yichuang("fleet", "demo", "--terminals", "6", "--port", str(port), "--seconds", "40",
                                     "--work", str(tmp_path / "demo")),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert demo.stdout is not None
        printed = ""
        while "password" not in printed:
            line = demo.stdout.readline()
            assert line, printed
            printed += line
        address = re.search(r"Ops dashboard: (http://[\d.:]+)/", printed)
        assert address is not None
        assert address.group(1) == f"http://127.0.0.1:{port}"
        assert f"password {DEMO_PASSWORD}" in printed
        http = httpx.Client(base_url=address.group(1), timeout=5)
        deadline, total = time.monotonic() + 30, 0
        while total < 6:
            assert time.monotonic() < deadline, f"{total} terminals shown"
            time.sleep(0.5)
            try:
                if "yc_ops" in http.cookies or log_in(http, "demo-ops", DEMO_PASSWORD) == 303:
                    total = sum(http.get("/api/overview").json()["by_state"].values())
            except httpx.TransportError:
                continue
        assert "SM0006" in http.get("/").text
    finally:
        demo.terminate()
        demo.wait(timeout=30)
    with pytest.raises(httpx.ConnectError):  # the servers the demo started went with it
        httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)


def test_the_fleet_demo_says_so_when_its_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(yichuang("fleet", "demo", "--port", str(port), "--work", str(tmp_path / "demo")),
                                 capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 1
    assert f"something already listens on 127.0.0.1:{port}" in refused.stderr
    assert not (tmp_path / "demo").exists()  # nothing was started
