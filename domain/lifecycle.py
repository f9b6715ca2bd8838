"""The lifecycle of an application (办件) as an explicit transition table.

Protocol outcomes (is it queued on the terminal, has central got it) are kept apart from
business outcomes (受理, 不予受理, 补齐, 办结): the first two states and events belong to the
terminal and the sync protocol, everything after ``received`` to the back office.
"""

from __future__ import annotations

from enum import StrEnum

from domain.text import Text


class State(StrEnum):
    """Where an application stands."""

    DRAFT = "draft"  # being filled in at the terminal, not yet durable
    SUBMITTED = "submitted"  # durable in the terminal's outbox, queued for central
    RECEIVED = "received"  # central has it (acknowledged); awaiting the acceptance check
    ACCEPTED = "accepted"  # 受理
    NOT_ACCEPTED = "not_accepted"  # 不予受理, with a reason
    NEEDS_SUPPLEMENT = "needs_supplement"  # 补齐/补正 requested
    APPROVED = "approved"  # 准予许可 / 办结
    DENIED = "denied"  # 不予许可
    RESULT_READY = "result_ready"  # certificate or result ready for pick-up or mail
    WITHDRAWN = "withdrawn"  # 撤回 by the applicant
    CLOSED = "closed"  # archived; nothing further happens


class Event(StrEnum):
    """What can happen to an application."""

    SUBMIT = "submit"  # terminal: the citizen confirms; written with its outbox entry
    DISCARD = "discard"  # terminal: a draft abandoned (the citizen walked away)
    ACKNOWLEDGE = "acknowledge"  # protocol: central's ack of the uplink message
    ACCEPT = "accept"
    REJECT = "reject"  # 不予受理
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"  # missing materials arrived; back to the acceptance check
    APPROVE = "approve"
    DENY = "deny"
    ISSUE_RESULT = "issue_result"
    WITHDRAW = "withdraw"
    CLOSE = "close"


# Events whose transition must carry a reason the citizen is told (不予受理, 不予许可, 补正).
NEEDS_REASON = frozenset({Event.REJECT, Event.DENY, Event.REQUEST_SUPPLEMENT})
PROTOCOL_STATES = frozenset({State.DRAFT, State.SUBMITTED, State.RECEIVED})
BUSINESS_STATES = frozenset(State) - PROTOCOL_STATES
PROTOCOL_EVENTS = frozenset({Event.SUBMIT, Event.DISCARD, Event.ACKNOWLEDGE})
TERMINAL_STATES = frozenset({State.CLOSED})
# Outcomes a citizen is told about; each ends in `close`.
OUTCOME_STATES = frozenset({State.NOT_ACCEPTED, State.DENIED, State.RESULT_READY, State.WITHDRAWN})

TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.DRAFT, Event.SUBMIT): State.SUBMITTED,
    (State.DRAFT, Event.DISCARD): State.CLOSED,
    (State.SUBMITTED, Event.ACKNOWLEDGE): State.RECEIVED,
    (State.RECEIVED, Event.ACCEPT): State.ACCEPTED,
    (State.RECEIVED, Event.REJECT): State.NOT_ACCEPTED,
    (State.RECEIVED, Event.REQUEST_SUPPLEMENT): State.NEEDS_SUPPLEMENT,
    (State.RECEIVED, Event.WITHDRAW): State.WITHDRAWN,
    (State.NEEDS_SUPPLEMENT, Event.SUPPLEMENT): State.RECEIVED,
    (State.NEEDS_SUPPLEMENT, Event.REJECT): State.NOT_ACCEPTED,  # deadline missed
    (State.NEEDS_SUPPLEMENT, Event.WITHDRAW): State.WITHDRAWN,
    (State.ACCEPTED, Event.APPROVE): State.APPROVED,
    (State.ACCEPTED, Event.DENY): State.DENIED,
    (State.ACCEPTED, Event.WITHDRAW): State.WITHDRAWN,
    (State.APPROVED, Event.ISSUE_RESULT): State.RESULT_READY,
    (State.RESULT_READY, Event.CLOSE): State.CLOSED,
    (State.NOT_ACCEPTED, Event.CLOSE): State.CLOSED,
    (State.DENIED, Event.CLOSE): State.CLOSED,
    (State.WITHDRAWN, Event.CLOSE): State.CLOSED,
}


class IllegalTransition(Exception):
    """An event that cannot happen in the application's current state."""

    def __init__(self, state: State, event: Event) -> None:
        """Remember the state and the refused event."""
        super().__init__(state, event)
        self.state, self.event = state, event

    def __str__(self) -> str:
        """Describe the refused event."""
        allowed = ", ".join(sorted(e.value for e in allowed_events(self.state))) or "none"
        return f"cannot '{self.event}' an application that is {self.state} (allowed: {allowed})"


def next_state(state: State, event: Event) -> State:
    """Return the state ``event`` leads to from ``state``, or raise IllegalTransition."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None


def allowed_events(state: State) -> frozenset[Event]:
    """Return the events that may happen in ``state``."""
    return frozenset(event for (source, event) in TRANSITIONS if source is state)


STATE_NAMES: dict[State, Text] = {  # what a citizen reads of a state (the progress query, the receipt)
    State.DRAFT: Text("未提交", "Not submitted"),
    State.SUBMITTED: Text("已提交，等待上传", "Submitted, waiting to be sent"),
    State.RECEIVED: Text("已收到，等待受理", "Received, awaiting acceptance"),
    State.ACCEPTED: Text("已受理，正在办理", "Accepted, being processed"),
    State.NOT_ACCEPTED: Text("不予受理", "Not accepted"),
    State.NEEDS_SUPPLEMENT: Text("需要补齐材料", "Materials still needed"),
    State.APPROVED: Text("已批准", "Approved"),
    State.DENIED: Text("不予许可", "Refused"),
    State.RESULT_READY: Text("已办结，可领取结果", "Done: the result is ready"),
    State.WITHDRAWN: Text("已撤回", "Withdrawn"),
    State.CLOSED: Text("已归档", "Closed"),
}
