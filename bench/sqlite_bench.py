"""Lookups, search, index build and day view on the cached SQLite clinic (a scratch copy)."""

from __future__ import annotations

from datetime import date

from bench import clinic, clinic_metrics
from bench.app import opened
from bench.context import BenchContext
from bench.report import Report


def run(report: Report, ctx: BenchContext) -> None:
    built = clinic.working_copy(ctx, date.today())
    ctx.sqlite_clinic = built
    with opened(ctx, built) as app:
        clinic_metrics.run_all(report, app, ctx.queries, ctx.seed)
