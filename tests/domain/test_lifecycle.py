"""The application lifecycle's transition table and its invariants."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.lifecycle import (
    BUSINESS_STATES,
    PROTOCOL_EVENTS,
    PROTOCOL_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    Event,
    IllegalTransition,
    State,
    allowed_events,
    next_state,
)


def reachable_from(start: State) -> set[State]:
    """Return every state reachable from ``start`` through the table."""
    seen, queue = {start}, deque([start])
    while queue:
        state = queue.popleft()
        for event in allowed_events(state):
            target = next_state(state, event)
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def test_every_state_is_reachable_from_draft() -> None:
    assert reachable_from(State.DRAFT) == set(State)


@pytest.mark.parametrize("state", list(State))
def test_every_state_can_reach_closed(state: State) -> None:
    assert State.CLOSED in reachable_from(state)


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_terminal_states_stay_terminal(state: State) -> None:
    assert allowed_events(state) == frozenset()


ILLEGAL = [(s, e) for s in State for e in Event if (s, e) not in TRANSITIONS]


@pytest.mark.parametrize(("state", "event"), ILLEGAL)
def test_an_illegal_event_raises_and_names_it(state: State, event: Event) -> None:
    with pytest.raises(IllegalTransition) as raised:
        next_state(state, event)
    assert raised.value.state is state
    assert str(event.value) in str(raised.value)


def test_protocol_and_business_outcomes_are_kept_apart() -> None:
    for (source, event), target in TRANSITIONS.items():
        if event in PROTOCOL_EVENTS:
            assert source in PROTOCOL_STATES
        else:
            assert source in BUSINESS_STATES | {State.RECEIVED}
            assert target in BUSINESS_STATES | {State.RECEIVED}


@given(st.lists(st.sampled_from(list(Event)), max_size=30))
def test_an_application_refusing_an_event_is_left_exactly_as_it_was(events: list[Event]) -> None:
    from tests.domain.samples import APPLIED as NOW
    from tests.domain.samples import ITEM, submit

    application = submit(ITEM.code)
    accepted = 1
    for event in events:
        before = application
        try:
            application = application.apply(event, NOW, "理由")
        except IllegalTransition:
            assert application is before
            continue
        accepted += 1
        assert application.history[-1].source == before.state
    assert len(application.history) == accepted
    assert all(a.target == b.source for a, b in zip(application.history, application.history[1:], strict=False))
