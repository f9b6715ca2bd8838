"""The fuzz budget: a few hundred inputs per parser in `make test`, a million in all in `make fuzz`.

``YC_FUZZ_INPUTS`` (unset in `make test`) is the long tier's total; it is shared among the fuzz
tests by weight (a slow parser, such as a whole catalog, gets a smaller share). Every test
counts the inputs it ran, and the fuzz conftest prints the counts at the end of the run.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import settings

SHORT = 120  # inputs per test in `make test`
TOTAL = int(os.environ.get("YC_FUZZ_INPUTS", "0"))
WEIGHTS = {
    "sam frames/stream": 10, "sam frames/response": 6, "sam read data": 8, "card text/raw": 6,
    "card text/fields": 10, "tlv/raw": 6, "tlv/structured": 10, "tlv/dol": 4, "apdu/exchange": 5,
    "emv/bank card": 6, "printer status": 3, "bundle/raw": 4, "bundle/envelopes": 5, "envelope/raw": 4,
    "envelope/mutated": 6, "acks/raw": 3, "acks/mutated": 6, "heartbeat/raw": 4, "heartbeat/mutated": 6,
    "presence": 3, "topics": 3, "content/raw": 3, "content/mutated": 6, "content/answers": 6, "enrollment request": 4,
    "catalog/documents": 1, "catalog/files": 0.2, "device and broker urls": 2, "bundle v2/raw": 4,
    "envelope v2/raw": 4, "proof v2": 3, "query/questions": 3, "query/answers": 4,
}
COUNTS: Counter[str] = Counter()


def budget(name: str) -> settings:
    """Return the Hypothesis settings of fuzz test ``name``: its share of the long tier, or the short run."""
    share = round(TOTAL * WEIGHTS[name] / sum(WEIGHTS.values()))
    return settings(max_examples=max(share, SHORT))


def tally(name: str) -> None:
    """Count one input run by fuzz test ``name``."""
    COUNTS[name] += 1
