"""The private PostgreSQL cluster tests fall back to when none answers on 127.0.0.1:5432."""

from __future__ import annotations

import socket
import time

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.postgres import answers, private_clusters, start_private_cluster, stop_private_cluster


def test_private_cluster_serves_sql_then_stops_and_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YC_TEST_POSTGRES", raising=False)
    began = time.monotonic()
    url = start_private_cluster()
    port = make_url(url).port
    root = private_clusters[url].root
    assert port != 5432
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE applications (id integer PRIMARY KEY, name text NOT NULL)"))
            conn.execute(text("INSERT INTO applications VALUES (1, '张三')"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM applications WHERE id = 1")).scalar_one() == "张三"
        engine.dispose()
    finally:
        stop_private_cluster(url)
    assert not answers(url)
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert not root.exists()
    assert url not in private_clusters
    assert time.monotonic() - began < 20
