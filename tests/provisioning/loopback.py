"""The fleet's broker on loopback for provisioning tests: a fresh CA and mosquitto from `provision broker-config`."""

from __future__ import annotations

import getpass
import subprocess
from dataclasses import dataclass
from pathlib import Path

from demo.devstack import start_mosquitto
from demo.ports import free_port
from provisioning import pki
from provisioning.broker import write_broker_config

PASSPHRASE = b"correct horse battery"


@dataclass
class LoopbackBroker:
    """The CA, its unlocked issuer, the broker's two ports and its process."""

    ca: Path
    issuer: pki.Issuer
    port: int
    services_port: int
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop mosquitto."""
        self.process.terminate()
        self.process.wait(timeout=10)


def loopback_broker(tmp_path: Path) -> LoopbackBroker:
    """Make a CA in ``tmp_path`` and run the broker its `broker-config` describes, on free loopback ports."""
    ca = tmp_path / "ca"
    issuer = pki.init_ca(ca, PASSPHRASE, ("localhost", "127.0.0.1"))
    port, services_port = free_port(), free_port()
    conf = write_broker_config(ca, tmp_path / "broker", port=port, bind="127.0.0.1", services_port=services_port,
                               run_as=getpass.getuser())
    return LoopbackBroker(ca, issuer, port, services_port, start_mosquitto(conf, port))
