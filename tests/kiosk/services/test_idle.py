"""The idle policy: tips on an idle home, a warning with a countdown in a session, then the session ends."""

from __future__ import annotations

from kiosk.services.idle import ATTRACT_AFTER_S, ATTRACT_EVERY_S, IdleAction, IdleDecision, IdlePolicy, reading_s

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


def test_the_time_to_read_what_is_shown_stretches_the_timeout() -> None:
    guide = "企" * 561  # a bundle's guide
    reading = reading_s(guide)
    assert reading > 150  # an older reader takes minutes over 561 characters
    assert reading_s("Please choose a service") < POLICY.timeout_s  # a short screen keeps the plain timeout
    assert POLICY.decide(120, in_session=True, on_home=False, reading_s=reading) == IdleDecision(IdleAction.NOTHING)
    assert POLICY.decide(reading, in_session=True, on_home=False, reading_s=reading).action is IdleAction.WARN
    assert POLICY.decide(reading + 30, in_session=True, on_home=False, reading_s=reading).action is IdleAction.END
    assert reading_s("word " * 100) < reading_s("字" * 500)  # letters are read faster than characters


def test_elder_mode_doubles_the_timeout_and_the_time_to_answer_the_warning() -> None:
    assert POLICY.decide(119, in_session=True, on_home=False, slower=True) == IdleDecision(IdleAction.NOTHING)
    assert POLICY.decide(120, in_session=True, on_home=False, slower=True) == IdleDecision(IdleAction.WARN, 60)
    assert POLICY.decide(179, in_session=True, on_home=False, slower=True) == IdleDecision(IdleAction.WARN, 1)
    assert POLICY.decide(180, in_session=True, on_home=False, slower=True) == IdleDecision(IdleAction.END, 0)
    assert POLICY.decide(120, in_session=True, on_home=False, slower=True, reading_s=200).action is IdleAction.NOTHING
