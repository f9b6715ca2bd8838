"""Use case: can this terminal take new applications right now, and if not, what to tell the citizen.

A terminal with its printer out of paper or offline, its card reader down, or its storage
nearly full stops new applications (guides still work) and says where to go instead; it
starts again by itself when the device recovers. A terminal whose latest self-test found its
certificate revoked says so: only a new enrollment brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.text import Text
from drivers.status import PaperState, Snapshot

MIN_FREE_PCT = 5.0  # below this the store may not be able to keep an application

PRINTER_DOWN = Text("凭证打印机暂时无法使用。", "The receipt printer is not working at the moment.")
PAPER_OUT = Text("凭证打印纸已用完，工作人员正在补充。",
                 "The receipt printer has run out of paper; staff have been told.")
READER_DOWN = Text("身份证阅读器暂时无法使用。", "The ID card reader is not working at the moment.")
STORAGE_FULL = Text("本机存储空间不足，暂停受理。", "This terminal's storage is full; it cannot take applications.")
MAINTENANCE = Text("本机正在维护，暂停受理。请到其他自助终端或窗口办理。",
                   "This terminal is being serviced. Please use another terminal or a service window.")
REVOKED = Text("本终端证书已吊销，请联系运维重新注册。",
                "This terminal's certificate has been revoked; ops must enroll it again.")
NO_CATALOG = Text("本机暂无事项目录，暂停受理。", "This terminal has no service catalog yet.")


@dataclass(frozen=True)
class Availability:
    """Whether new applications can start, and why not."""

    reasons: tuple[Text, ...] = ()

    @property
    def can_apply(self) -> bool:
        """Return whether a citizen may start an application."""
        return not self.reasons


def assess(*, printer: Snapshot | None, reader: Snapshot | None, disk_free_pct: float,
           catalog_loaded: bool, maintenance: bool = False, revoked: bool = False) -> Availability:
    """Return the terminal's availability from its devices' latest snapshots, its disk and central's maintenance."""
    reasons = [MAINTENANCE] if maintenance else []
    if revoked:
        reasons.append(REVOKED)
    if not catalog_loaded:
        reasons.append(NO_CATALOG)
    if printer is not None:
        paper = printer.media.get("paper")
        if paper in {PaperState.OUT, PaperState.JAMMED}:
            reasons.append(PAPER_OUT)
        elif not printer.operational:
            reasons.append(PRINTER_DOWN)
    if reader is not None and not reader.operational:
        reasons.append(READER_DOWN)
    if disk_free_pct < MIN_FREE_PCT:
        reasons.append(STORAGE_FULL)
    return Availability(tuple(reasons))


def certificate_revoked(selftests: list[dict[str, Any]]) -> bool:
    """Return whether the latest self-test (store events, oldest first) found this terminal's certificate revoked."""
    if not selftests:
        return False
    detail = selftests[-1].get("detail")
    return isinstance(detail, dict) and detail.get("revoked") is True
