"""Load for the fleet benchmark: heartbeats of the real schema for many terminals, as fast as the broker takes them.

Run as ``python -m benchmarks.fleet_load SPEC.json`` (its own process, like a fleet of terminals):
publishes ``count`` heartbeats round-robin over ``terminals`` ids with QoS 1 (a window of
PUBACKs keeps the broker's queues bounded), then prints the seconds it took.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from demo.simterminal import SimTerminal
from protocol import topics
from protocol.link import Link, tls_client

WINDOW = 500  # wait for this publish's PUBACK before going more than one window ahead


def main(spec_path: str) -> None:
    """Publish the heartbeats the spec asks for."""
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    ids = [f"{spec['prefix']}{n:05d}" for n in range(spec["terminals"])]
    payloads = [(topics.telemetry(t), SimTerminal(t, mqtt.Client()).heartbeat()) for t in ids]
    client = tls_client("fleet-load", Link(**spec["link"]))
    client.max_inflight_messages_set(WINDOW * 2)
    client.connect(spec["link"]["host"], spec["link"]["port"])
    client.loop_start()
    began = time.perf_counter()
    pending = None
    for n in range(spec["count"]):
        topic, payload = payloads[n % len(payloads)]
        info = client.publish(topic, payload, qos=1)
        if n % WINDOW == 0:
            if pending is not None:
                pending.wait_for_publish(60)
            pending = info
    if pending is not None:
        pending.wait_for_publish(60)
    print(f"{time.perf_counter() - began:.3f}", flush=True)
    client.disconnect()
    client.loop_stop()


if __name__ == "__main__":
    main(sys.argv[1])
