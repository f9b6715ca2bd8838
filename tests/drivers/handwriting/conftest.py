"""The handwriting tests' shared recogniser: the kiosk's, with its shape atlas, loaded once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.handwriting.rerank import RerankingRecognizer


@pytest.fixture(scope="module")
def recognizer() -> Iterator[RerankingRecognizer]:
    engine = RerankingRecognizer()
    assert engine.atlas is not None
    yield engine
    engine.close()
