"""Build the handwriting shape atlas: `python -m drivers.handwriting build [--out PATH] [--force]` (bootstrap runs it).

It prints the atlas's path on stdout; a build, which takes about 8 s, is announced on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from drivers.handwriting.atlas import AtlasUnavailable, default_atlas_path, open_atlas


def main(argv: list[str] | None = None) -> int:
    """Build the atlas where asked (default: the cache folder) unless a readable one is there; print its path."""
    parser = argparse.ArgumentParser(prog="python -m drivers.handwriting", description="The handwriting shape atlas.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="render the font's glyphs into the atlas (once: skipped when present)")
    build.add_argument("--out", type=Path, help="where to write it (default: the cache folder, named by its signature)")
    build.add_argument("--force", action="store_true", help="build it again even when it is present")
    args = parser.parse_args(argv)
    try:
        target = args.out or default_atlas_path()
        if args.force:
            target.unlink(missing_ok=True)
        began = time.perf_counter()
        open_atlas(args.out).close()
    except AtlasUnavailable as error:
        print(f"handwriting atlas: {error}", file=sys.stderr)
        return 1
    if time.perf_counter() - began > 1:
        print(f"handwriting atlas: built {target} in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
