"""Benchmarks users can run with make bench; results go to docs/benchmarks.md."""
