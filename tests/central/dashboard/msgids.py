"""Every dashboard string that goes through gettext: _("…") in templates and Python, N_("…") in Python."""

from __future__ import annotations

import re

from tests.common import ROOT

DASHBOARD = ROOT / "central" / "dashboard"
CALL = re.compile(r"""\bN?_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def used_msgids() -> set[str]:
    """Return every msgid the dashboard's templates and code use."""
    found: set[str] = set()
    for path in [*DASHBOARD.rglob("*.html"), *DASHBOARD.rglob("*.py")]:
        for double, single in CALL.findall(path.read_text(encoding="utf-8")):
            found.add(double or single)
    return found
