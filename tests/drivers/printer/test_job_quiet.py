"""A raster job prints nothing on the console: the profile knows the paper's width (#23 defect 12)."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy

from domain.receipt import Line, Style
from drivers.printer.job import TextMode, build_job


def test_a_raster_job_says_nothing_and_leaves_the_shared_profile_alone(capsys: pytest.CaptureFixture[str]) -> None:
    job = build_job([Line("受理回执", Style.TITLE), Line("http://x/1", Style.QR)], TextMode.RASTER, 32)
    assert job.startswith(b"\x1b@")
    assert "media.width.pixel" not in capsys.readouterr().out
    assert Dummy().profile.profile_data["media"]["width"]["pixels"] == "Unknown"
