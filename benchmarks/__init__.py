"""Benchmarks: `make bench` runs every `bench_*.py` module's `cases()` through the harness."""
