"""The dashboard's words in Chinese and English: gettext catalogs (msgids in English, zh default).

The monitor states reasons as English sentences of a small, fixed grammar (`central.monitor.health`);
``reason`` recognises each form and says it in the page's language, its parts (device, code,
paper) translated too. A reason of an unknown form is shown as it is, never dropped.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

from l10n.po import compile_po

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
PO = Path(__file__).parent / "locale" / "zh_CN" / "LC_MESSAGES" / "dashboard.po"


def N_(msgid: str) -> str:  # noqa: N802 - gettext's conventional name for "translate later"
    """Mark ``msgid`` for the catalog; it is translated where it is shown."""
    return msgid


WORDS = {  # codes the monitor and the terminals report, as ops read them
    "online": N_("online"), "degraded": N_("degraded"), "offline": N_("offline"),
    "maintenance": N_("maintenance"), "revoked": N_("revoked"), "retired": N_("retired"),
    "open": N_("open"), "acknowledged": N_("acknowledged"), "resolved": N_("resolved"),
    "critical": N_("critical"), "warning": N_("warning"),
    "printer": N_("printer"), "card_reader": N_("card reader"), "speaker": N_("speaker"),
    "no_audio_device": N_("no sound device"), "engine_missing": N_("speech engine missing"),
    "out": N_("out"), "jammed": N_("jammed"), "low": N_("low"),
    "paper_out": N_("out of paper"), "cover_open": N_("cover open"), "no_status": N_("no status answer"),
    "printer_error": N_("printer error"), "unavailable": N_("not answering"), "power_off": N_("powered off"),
    "no_device": N_("not connected"), "hardware_error": N_("hardware error"), "user_error": N_("needs staff"),
    "paper_low": N_("paper low"), "reader_error": N_("card reader fault"),
    "backlog_old": N_("unsynced for over an hour"),
    "cert_expiring": N_("certificate expiring"), "disk_low": N_("disk nearly full"),
    "crl_stale": N_("revocation list out of date"),
    "sequence_gap": N_("messages missing"), "help_request": N_("citizen needs help"),
    "stopped": N_("stopped"), "lost": N_("lost"), "connected": N_("connected"),
    "hall": N_("service hall"), "bank": N_("bank outlet"), "village": N_("village point"),
    "login": N_("login"), "logout": N_("logout"), "acknowledge": N_("acknowledge"), "resolve": N_("resolve"),
    "help_handled": N_("help handled"), "ok": N_("ok"), "failed": N_("wrong password"), "gone": N_("already gone"),
    "refused:csrf": N_("refused: no security token"), "refused:role": N_("refused: role too low"),
    "refused:throttled": N_("refused: too many attempts"),
    "user_add": N_("account added"), "user_password": N_("password changed"), "user_role": N_("role changed"),
    "read_audit": N_("read the audit log"),
    "user_disable": N_("account disabled"), "user_enable": N_("account enabled"),
    "viewer": N_("viewer"), "operator": N_("operator"), "admin": N_("admin"),
    "bad_signature": N_("not signed by the fleet's catalog key"), "malformed": N_("malformed"),
    "downgrade": N_("older than the one installed"), "chunk": N_("damaged or missing part"),
    "catalog": N_("catalog does not load or lacks this hall"),
    "check.card_reader": N_("card reader"),
    "check.printer": N_("printer"),
    "check.broker": N_("link to central"),
    "check.clock": N_("clock"),
    "check.disk": N_("disk"),
    "check.store": N_("local store"),
    "check.catalog": N_("service catalog"),
    "check.sound": N_("sound"),
    "cmd.maintenance_on": N_("maintenance on"),
    "cmd.maintenance_off": N_("back in service"),
    "cmd.catalog_reload": N_("reload the catalog"),
    "cmd.catalog_rollback": N_("roll back the catalog"),
    "cmd.test_page": N_("print a test page"),
    "cmd.diagnostics": N_("collect diagnostics"),
    "cmd.restart_kiosk": N_("restart the kiosk"),
    "cmd.restart_sync": N_("restart the sync agent"),
    "cmd.notice": N_("show a notice"),
    "cmd.scheduled": N_("scheduled"),
    "cmd.queued": N_("queued"),
    "cmd.delivered": N_("delivered"),
    "cmd.running": N_("running"),
    "cmd.succeeded": N_("succeeded"),
    "cmd.failed": N_("failed"),
    "cmd.expired": N_("expired"),
    "cmd.refused": N_("refused by the terminal"),
    "cmd.cancelled": N_("cancelled"),
    "cmd.completed": N_("completed"),
    "cmd.aborted": N_("aborted"),
    "entered": N_("opened the technician screen"), "entered_card": N_("opened it with a technician card"),
    "exited": N_("left the technician screen"), "idle_exit": N_("technician screen timed out"),
    "paper_replaced": N_("paper replaced"), "test_page": N_("printed a test page"),
    "self_test": N_("ran the self-test"),
    "card_test": N_("tested the card reader"), "catalog_rollback": N_("rolled the catalog back"),
    "reenroll": N_("tried a re-enrollment"), "reenrolled": N_("re-enrolled the terminal"),
    "maintenance_on": N_("started maintenance"), "maintenance_off": N_("ended maintenance"),
    "technician_pin_failed": N_("wrong technician PIN"), "technician_pin_accepted": N_("technician PIN accepted"),
    "technician_card_refused": N_("technician card refused"),
}

REASONS: tuple[tuple[re.Pattern[str], str], ...] = (  # the forms `central.monitor.health` writes, most specific first
    (re.compile(r"(?P<device>\w+): paper (?P<paper>\w+)"), N_("{device}: paper {paper}")),
    (re.compile(r"(?P<device>\w+): (?P<code>\w+)"), N_("{device}: {code}")),
    (re.compile(r"disk (?P<pct>\d+)% free"), N_("disk {pct}% free")),
    (re.compile(r"connection (?P<how>\w+)"), N_("connection {how}")),
    (re.compile(r"silent since (?P<when>[\d: -]+)"), N_("silent since {when}")),
    (re.compile(r"connected; no heartbeat received yet"), N_("connected; no heartbeat received yet")),
    (re.compile(r"never heard from"), N_("never heard from")),
    (re.compile(r"certificate revoked"), N_("certificate revoked")),
    (re.compile(r"decommissioned"), N_("decommissioned")),
    (re.compile(r"in maintenance"), N_("in maintenance")),
)


@cache
def catalog(lang: Lang) -> gettext.NullTranslations:
    """Return the compiled catalog of ``lang`` (English: the msgids themselves)."""
    return compile_po(PO, "zh_CN") if lang == "zh" else gettext.NullTranslations()


def translator(lang: Lang) -> Callable[[str], str]:
    """Return ``_`` for templates in ``lang``."""
    return catalog(lang).gettext


def word(code: str | None, lang: Lang) -> str:
    """Return a reported code in words (unknown codes as they are)."""
    if code is None:
        return "-"
    msgid = WORDS.get(code)
    return catalog(lang).gettext(msgid) if msgid else code


def reason(text: str, lang: Lang) -> str:
    """Return one of the monitor's reasons in ``lang``."""
    for pattern, msgid in REASONS:
        found = pattern.fullmatch(text)
        if found:
            parts = {k: word(v, lang) for k, v in found.groupdict().items()}
            return catalog(lang).gettext(msgid).format(**parts)
    return text


def span(seconds: float | None, lang: Lang) -> str:
    """Return a duration in words, in its largest whole unit (e.g. "3 h")."""
    if seconds is None:
        return "-"
    whole = max(0, int(seconds))
    gettext_ = catalog(lang).gettext
    for limit, unit, msgid in ((60, 1, N_("{n} s")), (3600, 60, N_("{n} min")), (86400, 3600, N_("{n} h"))):
        if whole < limit:
            return gettext_(msgid).format(n=whole // unit)
    return gettext_(N_("{n} d")).format(n=whole // 86400)


def when(at: str | datetime | None, now: datetime, lang: Lang) -> str:
    """Return the local clock time of ``at`` (a datetime or ISO text) and how long ago it was."""
    try:
        moment = datetime.fromisoformat(at) if isinstance(at, str) else at
        if moment is None or moment.tzinfo is None:
            return "-"  # absent, or a terminal's clock without a zone: nothing honest to show
    except ValueError:
        return "-"
    local = moment.astimezone()
    shown = local.strftime("%H:%M") if local.date() == now.astimezone().date() else local.strftime("%m-%d %H:%M")
    ago = catalog(lang).gettext(N_("{span} ago")).format(span=span((now - moment).total_seconds(), lang))
    return f"{shown} ({ago})"


def local_time(at: str) -> str:
    """Return an ISO timestamp as this server's local date and time (China Standard Time on a hall's central)."""
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return at


def pick(requested: str | None, accept: str | None) -> Lang:
    """Return the page language: the chosen one, else Chinese unless the browser asks for English first."""
    if requested in LANGS:
        return "en" if requested == "en" else "zh"
    first = (accept or "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"
