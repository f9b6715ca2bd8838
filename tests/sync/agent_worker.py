"""Child process: a sync agent pumping a store until drained (or killed).

Usage: python -m tests.sync.agent_worker SPEC.json — the spec names the store, the broker and the keys.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519

from sync.agent import Link, SyncAgent
from tests.store.helpers import open_test_store


def main(spec_path: Path) -> None:
    """Drain the outbox of the store the spec names."""
    spec = json.loads(spec_path.read_text())
    key = serialization.load_pem_private_key(Path(spec["key"]).read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    central = x25519.X25519PublicKey.from_public_bytes(bytes.fromhex(spec["central"]))
    store = open_test_store(Path(spec["store"]))
    link = Link("127.0.0.1", spec["port"], spec["ca"], spec["cert"], spec["key"])
    agent = SyncAgent(store, spec["terminal"], key, central, link, ack_timeout=timedelta(seconds=2))
    agent.start()
    print("started", flush=True)
    drained = agent.run_until_drained(120)
    agent.stop()
    store.close()
    print("drained" if drained else "timeout", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
