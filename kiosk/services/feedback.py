"""Use cases: rate the service (好差评) and call staff (呼叫帮办); both are stored encrypted and queued for central."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from kiosk.services.session import Session

BAD_LEVELS = (1, 2)  # 非常不满意, 不满意: they ask for reasons, and central follows them up
REASONS = ("等待时间长", "操作复杂", "设备故障", "指引不清楚", "材料要求多")  # as the 好差评 system words them


class FeedbackStore(Protocol):
    """The part of the store these use cases need."""

    def rate(self, application_id: str | None, level: int, comment: str = "") -> str:
        """Store a rating and queue it for central."""
        ...

    def request_help(self, screen: str, item: str | None = None, application_id: str | None = None) -> str:
        """Store a help request and queue it for central."""
        ...


def rate(store: FeedbackStore, session: Session | None, level: int, reasons: Iterable[str]) -> str:
    """Store a rating of the session's application (reasons only for a bad level); return its id."""
    chosen = sorted(set(reasons)) if level in BAD_LEVELS else []
    unknown = set(chosen) - set(REASONS)
    if unknown:
        raise ValueError(f"unknown rating reasons: {sorted(unknown)}")
    return store.rate(session.application_id if session else None, level, "、".join(chosen))


def call_for_help(store: FeedbackStore, screen: str, session: Session | None) -> str:
    """Store a help request from ``screen`` with the item and application under way (no personal data)."""
    item = session.offering.code if session else None
    return store.request_help(screen, item, session.application_id if session else None)
