"""Build the pinyin index: `python -m l10n.pinyin build [--out PATH] [--force]` (scripts/bootstrap.sh runs it).

It prints the index's path on stdout; a build, which takes about 20 s, is announced on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from l10n.pinyin.cache import default_index_path, ensure_index


def main(argv: list[str] | None = None) -> int:
    """Build the index where asked (default: the cache folder) unless it is there already; print its path."""
    parser = argparse.ArgumentParser(prog="python -m l10n.pinyin", description="The pinyin input method's index.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="compile the index from jieba and pypinyin (once: skipped when present)")
    build.add_argument("--out", type=Path, help=f"where to write it (default: {default_index_path()})")
    build.add_argument("--force", action="store_true", help="build it again even when it is present")
    args = parser.parse_args(argv)
    target = args.out or default_index_path()
    if args.force:
        target.unlink(missing_ok=True)
    if not target.exists():
        began = time.perf_counter()
        print(f"pinyin index: building {target} from jieba and pypinyin …", file=sys.stderr, flush=True)
        ensure_index(args.out)
        size = target.stat().st_size / 1e6
        print(f"pinyin index: {size:.1f} MB in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
