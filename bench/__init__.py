"""Benchmarks: `./dev bench` (or `python -m bench [name …]`) runs every bench/bench_*.py and prints figures."""
