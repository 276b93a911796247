"""Benchmarks and load drivers, run by ``make bench`` (``python -m bench.run``)."""
