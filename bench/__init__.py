"""Benchmarks: the pipeline measured as ratios against its limits and the synchronous design.

`python -m bench.run` (or `make bench`); `BENCH_SCALE=small|full`. See BENCHMARKS.md.
"""
