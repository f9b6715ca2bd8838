"""`yichuang printer …` and `yichuang sim printer` as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from demo.ports import free_port_pair
from tests.common import ROOT, YICHUANG, run


def start_emulator(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [str(YICHUANG), "sim", "printer", "--port", str(free_port_pair()), "--png", str(tmp_path / "out.png"), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ},
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert url.startswith("tcp://127.0.0.1:")
    return process, url


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)


def test_status_reports_paper_out(tmp_path: Path, stop: list[subprocess.Popen[str]]) -> None:
    process, url = start_emulator(tmp_path, "--paper", "out")
    stop.append(process)
    result = run("printer", "status", "--url", url, "--json")
    assert result.returncode == 1
    assert '"paper": "out"' in result.stdout
    assert '"state": "user_error"' in result.stdout


def test_a_silent_printer_is_offline_not_ok(tmp_path: Path, stop: list[subprocess.Popen[str]]) -> None:
    process, url = start_emulator(tmp_path, "--silent")
    stop.append(process)
    result = run("printer", "status", "--url", url + "?timeout=0.3")
    assert result.returncode == 1
    assert result.stdout.startswith("offline paper=unknown")


def test_print_the_sample_receipt_and_get_the_transcript_as_png(tmp_path: Path,
                                                               stop: list[subprocess.Popen[str]]) -> None:
    process, url = start_emulator(tmp_path)
    result = run("printer", "print-receipt", "--sample", "--url", url, "--width", "80")
    assert result.returncode == 0, result.stderr
    assert run("printer", "test-page", "--url", url, "--text-mode", "raster").returncode == 0
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    deadline = time.monotonic() + 5
    while not (tmp_path / "out.png").exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    image = Image.open(tmp_path / "out.png")
    assert image.height > 800


def test_preview_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "receipt.png"
    result = run("printer", "preview", "--sample", "--out", str(out), "--width", "58")
    assert result.returncode == 0, result.stderr
    image = Image.open(out)
    assert image.width == 32 * 12 + 32
    assert image.getextrema()[0] == 0  # something black was drawn


def test_paper_out_tells_the_technician_nothing_printed(tmp_path: Path, stop: list[subprocess.Popen[str]]) -> None:
    process, url = start_emulator(tmp_path, "--paper", "out")
    stop.append(process)
    result = run("printer", "print-receipt", "--sample", "--url", url)
    assert result.returncode == 1
    assert "nothing was printed" in result.stderr
