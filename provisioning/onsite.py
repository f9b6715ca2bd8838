"""Re-enrollment from the technician screen: the kiosk's token, this terminal's configuration, the technician's medium.

The kiosk cannot import provisioning (it sits below it); the composition root (main.py) hands it
``reenroll_here``. A terminal powered off past its certificate's expiry is re-enrolled as by
`provision enroll --reenroll`: it keeps its id, store, PIN and configuration; only its pki folder
(writable by the kiosk's unit) gets the new key and certificate, and the sync agent restarts on them.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from kiosk.config import load_config
from protocol.clock import TrustedClock
from provisioning.enroll import EnrollError, enroll

CLAIM_FILES = ("ca.pem", "claim.pem", "claim.key")
MAX_TOKEN = 64  # a token is 32 base32 characters; anything much longer was never one


def claim_medium(folders: list[Path]) -> tuple[Path, Path, Path]:
    """Return the claim files of the first of ``folders`` holding all three; EnrollError naming where it looked."""
    for folder in folders:
        if all((folder / name).is_file() for name in CLAIM_FILES):
            ca, cert, key = (folder / name for name in CLAIM_FILES)
            return ca, cert, key
    looked = ", ".join(str(f) for f in folders) or "nowhere (technician.claim_dirs is empty)"
    raise EnrollError(f"no claim medium: plug in the technician's enrollment medium (looked in {looked})")


def _readable(claim: tuple[Path, Path, Path]) -> None:
    """Check the medium's certificate and key load (EnrollError before anything is asked: the token stays unused)."""
    try:
        ssl.create_default_context().load_cert_chain(claim[1], claim[2])
    except (ssl.SSLError, OSError) as exc:
        raise EnrollError(f"the enrollment medium cannot be read ({type(exc).__name__}): try another medium; "
                          "the token is still unused") from None


def reenroll_here(token: str, config_file: Path) -> str:
    """Re-enroll the terminal configured in ``config_file`` with ``token``; return its id (EnrollError says why not)."""
    token = "".join(token.split()).upper()
    if not token or len(token) > MAX_TOKEN:
        raise EnrollError("the token is empty or too long: type or scan it again")
    base = load_config(config_file)
    claim = claim_medium(base.technician.claim_dirs)
    _readable(claim)
    try:
        done = enroll(token, base.sync.broker, claim, config_file.parent, pin=None,
                      clock=TrustedClock(base.sync.time_file), base=base, reenroll=True)
    except OSError as exc:  # after central's answer: only terminal.toml or the pki folder could not be written
        raise EnrollError(f"could not write the new certificate ({exc.strerror or type(exc).__name__}): re-enroll "
                          "from the command line (provision enroll --reenroll)") from None
    return done.terminal
