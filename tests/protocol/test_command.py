"""Remote commands: only the fleet's command key, only for this terminal, each sequence number once, never late."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from protocol import signed
from protocol.command import (
    CONTEXT,
    MAX_COMMAND_BYTES,
    Command,
    CommandError,
    Result,
    check_fresh,
    open_command,
    open_result,
    sign_command,
    sign_result,
)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
KEY = ed25519.Ed25519PrivateKey.generate()


def command(**change: object) -> Command:
    fields: dict[str, object] = {
        "id": uuid.uuid4().hex, "terminal": "LC0001", "seq": 5, "kind": "notice",
        "args": {"zh": "本厅今日 17:00 闭厅", "en": "The hall closes at 17:00 today"},
        "issued": NOW.isoformat(), "expires": (NOW + timedelta(hours=1)).isoformat(), "by": "ops-li"}
    return Command.model_validate(fields | change)


def test_a_genuine_command_opens_with_its_text() -> None:
    sent = command()
    opened = open_command(sign_command(sent, KEY), KEY.public_key(), "LC0001")
    check_fresh(opened, last_seq=4, now=NOW)
    assert opened == sent
    assert opened.text_args()["zh"] == "本厅今日 17:00 闭厅"


@pytest.mark.parametrize(("payload", "terminal", "last_seq", "now", "reason"), [
    (lambda: sign_command(command(), ed25519.Ed25519PrivateKey.generate()), "LC0001", 4, NOW, "bad_signature"),
    (lambda: sign_command(command(), KEY), "LC0002", 4, NOW, "wrong_terminal"),
    (lambda: sign_command(command(), KEY), "LC0001", 5, NOW, "replayed"),
    (lambda: sign_command(command(), KEY), "LC0001", 9, NOW, "replayed"),
    (lambda: sign_command(command(), KEY), "LC0001", 4, NOW + timedelta(hours=1), "expired"),
    (lambda: b"x" * (MAX_COMMAND_BYTES + 1), "LC0001", 4, NOW, "malformed"),
    (lambda: b'{"v":1,"command":"{}","command":"{}"}', "LC0001", 4, NOW, "malformed"),
])
def test_a_command_the_terminal_must_not_run_is_refused_with_a_reason(
        payload: object, terminal: str, last_seq: int, now: datetime, reason: str) -> None:
    with pytest.raises(CommandError) as caught:
        check_fresh(open_command(payload(), KEY.public_key(), terminal), last_seq, now)  # type: ignore[operator]
    assert caught.value.reason == reason


@pytest.mark.parametrize("change", [
    {"kind": "rm_rf"}, {"seq": 0}, {"seq": "6"}, {"args": {f"k{i}": "v" for i in range(9)}},
    {"args": {"zh": "x" * 201}}, {"args": {"bad key": "v"}}, {"args": {"zh": "闭厅\u202e反转"}},
    {"args": {"zh": "a\x1b[31mred"}}, {"expires": "tomorrow"}, {"urgent": "yes"}, {"extra": 1}, {"terminal": "lc0001"},
])
def test_a_signed_command_out_of_bounds_is_refused_as_malformed(change: dict[str, object]) -> None:
    body = {**json.loads(signed.canonical(command().model_dump(mode="json"))), **change}
    with pytest.raises(CommandError) as caught:
        open_command(signed.sign("command", body, CONTEXT, KEY), KEY.public_key(), "LC0001")
    assert caught.value.reason == "malformed"


def test_a_release_manifest_signature_never_opens_as_a_command() -> None:
    body = command().model_dump(mode="json")
    as_release = signed.sign("command", body, b"yichuang catalog release v1\n", KEY)
    with pytest.raises(CommandError, match="not the fleet's key"):
        open_command(as_release, KEY.public_key(), "LC0001")


def test_a_result_is_the_terminals_and_for_its_own_topic_only() -> None:
    terminal_key = ec.generate_private_key(ec.SECP256R1())
    result = Result(id=uuid.uuid4().hex, terminal="LC0001", seq=5, status="succeeded", at=NOW.isoformat())
    payload = sign_result(result, terminal_key)
    assert open_result(payload, terminal_key.public_key(), "LC0001") == result
    with pytest.raises(CommandError) as caught:
        open_result(payload, ec.generate_private_key(ec.SECP256R1()).public_key(), "LC0001")
    assert caught.value.reason == "bad_signature"
    with pytest.raises(CommandError) as caught:
        open_result(payload, terminal_key.public_key(), "LC0002")
    assert caught.value.reason == "wrong_terminal"
    with pytest.raises(CommandError) as caught:
        open_result(payload.replace(b"succeeded", b"failed"), terminal_key.public_key(), "LC0001")
    assert caught.value.reason == "bad_signature"


def test_the_command_lines_list_of_kinds_is_the_protocols() -> None:
    from typing import get_args

    from protocol.command import Kind
    from protocol.kinds import COMMAND_KINDS

    assert get_args(Kind) == COMMAND_KINDS
