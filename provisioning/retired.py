"""The CRL follows the registry: every retired terminal's certificates are revoked by the holder of the issuing CA.

Ops retire a terminal at central (`central terminals retire`, or its own decommission notice); the
enrollment service (`provision serve`), which holds the issuing CA, calls this now and then and
revokes in the CRL each retired terminal that still has an unrevoked certificate. The broker
loads the new CRL when `provision crl refresh --broker-dir` copies it and restarts it.
"""

from __future__ import annotations

from sqlalchemy import Engine

from central.platform.retire import retired
from provisioning.pki import Issuer


def revoke_retired(issuer: Issuer, engine: Engine) -> list[str]:
    """Revoke the unrevoked certificates of every retired terminal; return the terminals revoked now."""
    unrevoked = {entry["cn"] for entry in issuer.index() if entry["revoked_at"] is None}
    done = [terminal for terminal in retired(engine) if terminal in unrevoked]
    for terminal in done:
        issuer.revoke(terminal)
    return done
