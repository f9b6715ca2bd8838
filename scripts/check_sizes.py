"""Fail when a module is over 400 lines or a function over 40 (tests, benchmarks and migrations: modules only)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40
FUNCTIONS_EXEMPT = ("tests/", "benchmarks/")  # a test reads top to bottom as one story


def tracked_python() -> list[str]:
    """Return the Python files git tracks (and new ones not ignored)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],  # noqa: S607
                            capture_output=True, text=True, check=True).stdout.split()
    return sorted(set(listed))


def problems(path: str) -> list[str]:
    """Return what is too long in one file."""
    source = Path(path).read_text(encoding="utf-8")
    found = []
    lines = source.count("\n") + (not source.endswith("\n"))
    if lines > MAX_MODULE_LINES:
        found.append(f"{path}: {lines} lines (at most {MAX_MODULE_LINES}; split it by responsibility)")
    if path.startswith(FUNCTIONS_EXEMPT) or "/migrations/versions/" in path:
        return found
    for node in ast.walk(ast.parse(source, path)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{path}:{node.lineno}: {node.name} has {length} lines (at most {MAX_FUNCTION_LINES})")
    return found


def main() -> int:
    """Check every file; print each problem; exit 1 if there was any."""
    found = [problem for path in tracked_python() for problem in problems(path)]
    print("\n".join(found) if found else "sizes: every module and function within bounds")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
