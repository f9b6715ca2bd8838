"""Chinese a citizen reads uses full-width punctuation (，。：；？！（）), never ASCII after a Chinese character.

Checked: the kiosk's Chinese catalog (kiosk.po), the Chinese of every Text(...) in the code, and the
Chinese of the sample catalog's files.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from typing import Any

from babel.messages.pofile import read_po

from domain.data import SAMPLE_CATALOG
from tests.common import ROOT

HALF_WIDTH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff][,.:;?!()]|\((?=[\u3400-\u4dbf\u4e00-\u9fff])")
CODE = ("kiosk", "domain", "drivers", "l10n", "central", "sync", "protocol", "provisioning", "demo", "cmdline")
def _wrong(texts: Iterator[tuple[str, str]]) -> list[str]:
    """Return each text (with where it is) holding half-width punctuation after a Chinese character."""
    return [f"{where}: {text}" for where, text in texts if HALF_WIDTH.search(text)]


def _po() -> Iterator[tuple[str, str]]:
    """Yield the kiosk catalog's Chinese strings."""
    path = ROOT / "kiosk" / "ui" / "locale" / "zh_CN" / "LC_MESSAGES" / "kiosk.po"
    with path.open("rb") as file:
        for message in read_po(file):
            if message.id and isinstance(message.string, str):
                yield f"kiosk.po {message.id!r}", message.string


def _texts() -> Iterator[tuple[str, str]]:
    """Yield the Chinese (first) argument of every Text(...) written in the code."""
    for package in CODE:
        for path in (ROOT / package).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Text" and node.args
                        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    yield f"{name}:{node.lineno}", node.args[0].value


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Yield the strings of a TOML value, except English ones (keys ending in _en)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if not key.endswith("_en"):
                yield from _strings(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, f"{where}[{index}]")
    elif isinstance(value, str):
        yield where, value


def _catalog() -> Iterator[tuple[str, str]]:
    """Yield the sample catalog's Chinese strings."""
    for path in sorted(SAMPLE_CATALOG.rglob("*.toml")):
        yield from _strings(tomllib.loads(path.read_text(encoding="utf-8")), path.name)


def test_the_check_catches_ascii_punctuation_after_chinese() -> None:
    assert _wrong(iter([("a", "请稍候,马上来"), ("b", "(选填)"), ("c", "请稍候，马上来"), ("d", "输入 SBK 找社保卡")])) == [
        "a: 请稍候,马上来", "b: (选填)"]


def test_the_kiosk_catalog_uses_full_width_punctuation() -> None:
    assert _wrong(_po()) == []


def test_chinese_texts_in_the_code_use_full_width_punctuation() -> None:
    assert _wrong(_texts()) == []


def test_the_sample_catalog_uses_full_width_punctuation() -> None:
    assert _wrong(_catalog()) == []
