"""How often simulated terminals meet events: apart from the simulator, so `sim fleet --help` loads no paho."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rates:
    """How often things happen, per terminal per hour."""

    applications: float = 6.0
    help_requests: float = 0.2
    paper_steps: float = 0.5  # full → low → out → refilled
    reader_flips: float = 0.25
    drops: float = 0.2  # network gone without a goodbye
    returns: float = 30.0  # how fast a dropped terminal comes back
