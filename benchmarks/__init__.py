"""Benchmarks of the harness and the target: `python -m benchmarks.<name>` each, or all."""
