"""Run the benchmarks: `python -m benchmarks [--only NAME] [--quick] [--no-write]`."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

import benchmarks
from benchmarks.harness import Case, LatencyCase, RunCase, report, run_case, run_latency, run_whole, stages, table

ROOT = Path(__file__).resolve().parent.parent


def discover() -> list[Case | LatencyCase | RunCase]:
    """Collect the cases of every `bench_*` module in this package."""
    cases: list[Case | LatencyCase | RunCase] = []
    for module in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if module.name.startswith("bench_"):
            cases += importlib.import_module(f"benchmarks.{module.name}").cases()
    return cases


def main() -> int:
    """Run the selected cases, write the reports, and fail if a self-check fails."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--only", help="run only cases whose name contains this text (recorded in docs/benchmarks.md, "
                                       "the README's table is left to a full run)")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter samples")
    parser.add_argument("--no-write", action="store_true", help="print only; write no files")
    args = parser.parse_args()
    cases = [c for c in discover() if not args.only or args.only in c.name]
    if not cases:
        print(f"no benchmark matches '{args.only}'", file=sys.stderr)
        return 2
    results = []
    for case in cases:
        print(f"running {case.name} …", file=sys.stderr, flush=True)
        if isinstance(case, RunCase):
            results.append(run_whole(case))
            continue
        if isinstance(case, LatencyCase):
            results.append(run_latency(case, ops=1000 if args.quick else None))
            continue
        repeats, seconds = (3, 0.02) if args.quick else (9, 0.1)
        results.append(run_case(case, repeats=repeats, min_seconds=seconds))
    if args.no_write:
        print(table(results))
        print(stages(results))
    else:
        print(report(results, ROOT / "docs", None if args.only else ROOT / "README.md"))  # a partial run: history only
    broken = [r.name for r in results if r.self_check and not r.within_range]
    if broken:
        print(f"harness self-check failed: {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
