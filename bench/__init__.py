"""NOVAMIND Desktop benchmarks: `python -m bench` (what `make bench` runs).

Every timing is reported next to a baseline measured in the same run, so the ratio is what
counts, not the absolute figure of whatever machine ran it. Results go to bench/results.json
and bench/results.md (both git-ignored). Nothing here runs inside `make test`.

    make bench                                        full size: 100k patients, 1M appointments
    make bench BENCH_ARGS="--patients 10000 --appointments 100000"              a quick run
    make bench BENCH_ARGS="--only crypto sqlite"      sections: crypto import sqlite gui pg
    make bench BENCH_ARGS="--no-cache"                rebuild the cached clinic databases

The synthetic clinic is built once per schema/code/size and cached under bench/cache/ (the
SQLite file and a stopped PostgreSQL data folder); later runs copy it, so they take minutes.
"""
