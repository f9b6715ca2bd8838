"""Remote commands from central to one terminal, and the terminal's signed results.

A command is signed with the fleet's command-signing key (``<ca>/signing/command.key``, apart
from the CA, the catalog key and central's envelope keys), names its terminal, carries a
per-terminal sequence number (a terminal runs each number once: replays are refused) and an
expiry (also the MQTT 5 message expiry). A terminal answers on ``yc/v1/t/{id}/cmdres`` with a
result signed by its own certificate's key, so central (and the audit log) can tell that the
terminal, not the broker, says a command succeeded.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Annotated, Final, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, ValidationError

from protocol import signed
from protocol.heartbeat import Stamp, TerminalId

CONTEXT: Final = b"yichuang command v1\n"
RESULT_CONTEXT: Final = b"yichuang command result v1\n"
MAX_COMMAND_BYTES: Final = 16 * 1024
MAX_RESULT_BYTES: Final = 16 * 1024
Kind = Literal["maintenance_on", "maintenance_off", "catalog_reload", "catalog_rollback", "test_page", "diagnostics",
               "restart_kiosk", "restart_sync", "notice", "application_status"]
Status = Literal["delivered", "running", "succeeded", "failed", "expired", "refused"]
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")  # incl. bidi overrides


def _clean(text: str) -> str:
    """Refuse control and bidi-override characters in text a terminal may show or log."""
    if CONTROL.search(text):
        raise ValueError("control characters are not allowed")
    return text


Word = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_.:@-]{1,64}$")]
CommandId = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{32}$")]


class CommandError(ValueError):
    """A command the terminal will not run; ``reason`` is a stable code for the result and the audit log."""

    def __init__(self, reason: str, message: str) -> None:
        """Keep ``reason``: bad_signature, malformed, wrong_terminal, replayed or expired."""
        super().__init__(message)
        self.reason = reason


class Command(BaseModel):
    """One instruction for one terminal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: CommandId
    terminal: TerminalId
    seq: Annotated[int, Field(strict=True, ge=1, lt=2**53)]
    kind: Kind
    args: Annotated[dict[Word, Annotated[str, StringConstraints(strict=True, max_length=200)]], Field(max_length=8)]
    issued: Stamp
    expires: Stamp
    urgent: StrictBool = False
    by: Word  # the operator who sent it (the audit log names them too)

    def text_args(self) -> dict[str, str]:
        """Return the arguments, refusing control characters (a notice is shown on the attract screen)."""
        return {name: _clean(value) for name, value in self.args.items()}


class Result(BaseModel):
    """What a terminal reports of a command."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: CommandId
    terminal: TerminalId
    seq: Annotated[int, Field(strict=True, ge=0, lt=2**53)]
    status: Status
    detail: Annotated[str, StringConstraints(strict=True, max_length=300)] = ""
    data: Annotated[dict[Word, object], Field(max_length=64)] = {}  # e.g. a diagnostics snapshot (no personal data)
    at: Stamp


def sign_command(command: Command, key: ed25519.Ed25519PrivateKey) -> bytes:
    """Return the signed command to publish."""
    return signed.sign("command", command.model_dump(mode="json"), CONTEXT, key)


def _first(exc: ValidationError) -> str:
    """Return the first problem pydantic found, as 'field: message'."""
    error = exc.errors()[0]
    return f"{'.'.join(str(part) for part in error['loc']) or 'command'}: {error['msg']}"


def open_command(payload: bytes, key: ed25519.Ed25519PublicKey, terminal: str) -> Command:
    """Verify a command's signature and shape, and that it is for ``terminal``."""
    try:
        data = signed.verified(payload, "command", CONTEXT, key, MAX_COMMAND_BYTES)
        command = Command.model_validate(data)
        command.text_args()
    except signed.SignedError as exc:
        raise CommandError(exc.reason, str(exc)) from None
    except (ValidationError, ValueError) as exc:
        detail = _first(exc) if isinstance(exc, ValidationError) else str(exc)
        raise CommandError("malformed", f"the command is malformed: {detail}") from None
    if command.terminal != terminal:
        raise CommandError("wrong_terminal", f"the command is for {command.terminal}, not {terminal}")
    return command


def read_kept(payload: bytes) -> Command:
    """Read a command this terminal verified on arrival and kept in its encrypted store (not verified again)."""
    return Command.model_validate(signed.strict_object(str(signed.strict_object(payload)["command"])))


def check_fresh(command: Command, last_seq: int, now: datetime) -> None:
    """Refuse a command whose sequence number is not newer than ``last_seq``, or that expired before ``now``."""
    if command.seq <= last_seq:
        raise CommandError("replayed", f"command {command.seq} is not newer than {last_seq}, already run")
    if datetime.fromisoformat(command.expires) <= now:
        raise CommandError("expired", f"command {command.seq} expired at {command.expires}")


def sign_result(result: Result, key: ec.EllipticCurvePrivateKey) -> bytes:
    """Return the result signed with the terminal's certificate key (ECDSA P-256)."""
    body = signed.canonical(result.model_dump(mode="json"))
    signature = key.sign(RESULT_CONTEXT + body, ec.ECDSA(hashes.SHA256()))
    return signed.canonical({"v": signed.VERSION, "result": body.decode(), "sig": base64.b64encode(signature).decode()})


def open_result(payload: bytes, key: ec.EllipticCurvePublicKey, terminal: str) -> Result:
    """Verify a result against the terminal's certificate key and return it; a CommandError otherwise."""
    if len(payload) > MAX_RESULT_BYTES:
        raise CommandError("malformed", "the result is too large")
    try:
        envelope = signed.strict_object(payload)
        body, sig = envelope.get("result"), envelope.get("sig")
        if envelope.get("v") != signed.VERSION or not isinstance(body, str) or not isinstance(sig, str):
            raise CommandError("bad_signature", "the result is not signed")
        key.verify(base64.b64decode(sig, validate=True), RESULT_CONTEXT + body.encode(), ec.ECDSA(hashes.SHA256()))
        result = Result.model_validate(signed.strict_object(body))
    except signed.SignedError as exc:
        raise CommandError(exc.reason, str(exc)) from None
    except (InvalidSignature, binascii.Error):
        raise CommandError("bad_signature", "the result is not signed by the terminal's key") from None
    except ValidationError as exc:
        raise CommandError("malformed", f"the result is malformed: {_first(exc)}") from None
    if result.terminal != terminal:
        raise CommandError("wrong_terminal", f"a result for {result.terminal} on {terminal}'s topic")
    return result
