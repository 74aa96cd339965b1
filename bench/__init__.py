"""NOVAMIND Desktop benchmarks: `python -m bench` (what `make bench` runs).

Every timing is reported next to a baseline measured in the same run, so the ratio is what
counts, not the absolute figure of whatever machine ran it. Results go to bench/results.json
and bench/results.md (both git-ignored). Nothing here runs inside `make test`.
"""
