"""Every UI string that goes through gettext: t(...)/app.t(...)/N_(...) calls and screen prompts in .py, app.t in .kv."""

from __future__ import annotations

import ast
import re

from tests.common import ROOT

UI = ROOT / "kiosk" / "ui"
KV_CALL = re.compile(r'app\.t\("((?:[^"\\]|\\.)+)"')


def _called(node: ast.Call) -> bool:
    """Return whether a call is one of the gettext helpers."""
    func = node.func
    return (isinstance(func, ast.Name) and func.id in {"t", "N_"}) or (isinstance(func, ast.Attribute)
                                                                         and func.attr == "t")


def used_msgids() -> set[str]:
    """Return every msgid the UI code and layouts use."""
    found: set[str] = set()
    for path in UI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _called(node) and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id == "prompt" and isinstance(node.value, ast.Constant)):
                found.add(str(node.value.value))
    for path in UI.rglob("*.kv"):
        found |= set(KV_CALL.findall(path.read_text(encoding="utf-8")))
    return found
