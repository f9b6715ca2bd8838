"""The domain stays pure: no UI, database, MQTT or smart-card imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "kiosk" / "domain"
FORBIDDEN = ("kivy", "sqlalchemy", "paho", "smartcard", "escpos", "serial", "click", "pydantic")


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_no_framework(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & set(FORBIDDEN), f"{path.name} imports {imported & set(FORBIDDEN)}"
