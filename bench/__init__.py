"""Benchmarks for issue 16: pages, award documents and the deadline rush at 500 bids.

Run everything with ``.venv/bin/python -m bench`` from the repository root (README,
"Prestaties meten"). Results are ratios to a baseline measured in the same run, never
absolute targets; ``bench/RESULTS.md`` records a run.
"""
