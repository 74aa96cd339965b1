"""Lookups, search, index build and day view on the cached SQLite clinic (a scratch copy)."""

from __future__ import annotations

from bench import cache, clinic_metrics
from bench.app import opened
from bench.context import BenchContext
from bench.report import Report


def run(report: Report, ctx: BenchContext) -> None:
    built = cache.working_copy(ctx)
    ctx.sqlite_clinic = built
    with opened(ctx, built) as app:
        clinic_metrics.run_all(report, app, ctx.queries, ctx.seed)
