"""`yichuang card read` against `yichuang sim sam --pty`, both as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from drivers.cardreader import simulator
from drivers.cardreader.simulator import SimCard
from main import cli
from tests.common import ROOT, YICHUANG, run


@pytest.fixture
def sam_pty(tmp_path: Path) -> Iterator[Path]:
    link = tmp_path / "ttyIDR"
    process = subprocess.Popen(
        [str(YICHUANG), "sim", "sam", "--pty", "--card", "zhang", "--link", str(link)],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, cwd=ROOT,
        env={**os.environ, "PATH": "/usr/bin:/bin"},
    )
    assert process.stdout is not None
    printed = process.stdout.readline().strip()
    deadline = time.monotonic() + 10
    while not link.exists():
        assert time.monotonic() < deadline, "simulator did not start"
        time.sleep(0.05)
    assert printed.startswith("/dev/pts/")
    yield link
    process.terminate()
    process.wait(timeout=10)


def test_read_masked_json_over_a_pty(sam_pty: Path) -> None:
    result = run("card", "read", "--url", f"serial://{sam_pty}?baud=115200", "--json", "--timeout", "5")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "张*丰"
    assert data["id_number"] == "370303********0012"
    assert data["birth_date"] is None
    assert "张三丰" not in result.stdout


def test_reveal_shows_everything(sam_pty: Path) -> None:
    result = run("card", "read", "--url", f"serial://{sam_pty}", "--json", "--reveal")
    data = json.loads(result.stdout)
    assert (data["name"], data["id_number"], data["birth_date"]) == ("张三丰", "370303198505120012", "1985-05-12")


def test_no_card_within_the_timeout_exits_2() -> None:
    result = run("card", "read", "--url", "sim://", "--timeout", "0.5")
    assert result.returncode == 2
    assert "NoCard" in result.stderr


def test_a_missing_device_exits_3(tmp_path: Path) -> None:
    result = run("card", "read", "--url", f"serial://{tmp_path}/nothing", "--timeout", "1")
    assert result.returncode == 3
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_undecodable_card_data_exits_4(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(simulator.SAMPLE_CARDS, "short", SimCard("short", b"\x20\x00" * 50))
    result = CliRunner().invoke(cli, ["card", "read", "--url", "sim://?card=short", "--timeout", "2"])
    assert result.exit_code == 4
    assert "CardDataError" in result.output


def test_watch_prints_each_card(sam_pty: Path) -> None:
    result = subprocess.run(
        [str(YICHUANG), "card", "watch", "--url", f"serial://{sam_pty}", "--count", "1"],
        capture_output=True, text=True, timeout=30, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "resident_id 张*丰 370303********0012"


def test_sim_refuses_an_unknown_card() -> None:
    result = run("sim", "sam", "--pty", "--card", "nobody")
    assert result.returncode == 2
    assert "'nobody' is not one of" in result.stderr
