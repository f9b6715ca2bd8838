"""The idle policy: tips on an idle home, a warning with a countdown in a session, then the session ends."""

from __future__ import annotations

from kiosk.services.idle import ATTRACT_AFTER_S, ATTRACT_EVERY_S, IdleAction, IdleDecision, IdlePolicy

POLICY = IdlePolicy(timeout_s=60, warning_s=30)


def test_home_cycles_tips_only_after_a_while_and_every_few_seconds() -> None:
    assert POLICY.decide(ATTRACT_AFTER_S - 1, in_session=False, on_home=True).action is IdleAction.NOTHING
    assert POLICY.decide(ATTRACT_AFTER_S, in_session=False, on_home=True).action is IdleAction.ATTRACT
    assert POLICY.decide(ATTRACT_AFTER_S + 1, in_session=False, on_home=True).action is IdleAction.NOTHING
    assert POLICY.decide(ATTRACT_AFTER_S + ATTRACT_EVERY_S, in_session=False, on_home=True).action is IdleAction.ATTRACT
    assert POLICY.decide(600, in_session=False, on_home=False).action is IdleAction.NOTHING  # out of service


def test_a_session_is_warned_with_the_seconds_left_then_ended() -> None:
    assert POLICY.decide(59, in_session=True, on_home=False) == IdleDecision(IdleAction.NOTHING)
    assert POLICY.decide(60, in_session=True, on_home=False) == IdleDecision(IdleAction.WARN, 30)
    assert POLICY.decide(80.4, in_session=True, on_home=False) == IdleDecision(IdleAction.WARN, 10)
    assert POLICY.decide(90, in_session=True, on_home=False) == IdleDecision(IdleAction.END, 0)
    assert POLICY.decide(4000, in_session=True, on_home=False) == IdleDecision(IdleAction.END, 0)


def test_no_tips_while_a_citizen_is_in_a_session() -> None:
    assert POLICY.decide(ATTRACT_AFTER_S, in_session=True, on_home=False).action is IdleAction.NOTHING
