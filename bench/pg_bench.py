"""The issue 4 metrics (and the lookups) again on PostgreSQL, suffix _pg."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import clinic, clinic_metrics, pg
from bench.app import opened
from bench.context import BenchContext
from bench.pg import BenchPostgres
from bench.report import Report
from novamind_desktop.infrastructure import migrations


def cached_server(ctx: BenchContext, today: date) -> BenchPostgres:
    """The loaded server folder under bench/cache/, built first if needed (server stopped)."""
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    server_code = hashlib.sha256(Path(pg.__file__).read_bytes()).hexdigest()[:6]
    key = f"{clinic.cache_key(ctx, today)}-{server_code}"
    stem = f"pg-{ctx.patients}-{ctx.appointments}"
    folder = ctx.cache_dir / f"{stem}-{key}"
    if folder.exists() and not ctx.rebuild_cache:
        print(f"    cached PostgreSQL clinic: {folder.name}", flush=True)
        return BenchPostgres(folder)
    for stale in ctx.cache_dir.glob(f"{stem}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    building = BenchPostgres(Path(f"{folder}.building"))
    shutil.rmtree(building.folder, ignore_errors=True)
    t0 = time.perf_counter()
    building.init()
    building.start(loading=True)
    try:
        building.create_database()
        migrations.upgrade(building.url())
        engine = create_engine(building.url())
        try:
            clinic.fill(engine, ctx, today)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        finally:
            engine.dispose()
    finally:
        building.stop()
    building.folder.rename(folder)
    print(f"    built {folder.name} in {time.perf_counter() - t0:.1f} s", flush=True)
    return BenchPostgres(folder)


def run(report: Report, ctx: BenchContext) -> None:
    today = date.today()
    # The server's user must reach its folder: a scratch folder of its own, open to it.
    scratch = Path(tempfile.mkdtemp(prefix="novamind-bench-pg-"))
    scratch.chmod(0o755)
    ctx.cleanup.callback(shutil.rmtree, scratch, True)
    server = cached_server(ctx, today).copy_to(scratch / "server")
    server.start()
    ctx.cleanup.callback(server.stop)
    built = clinic.Clinic(
        server.url(), ctx.patients, ctx.appointments, ctx.clinicians, ctx.seed, today
    )
    with opened(ctx, built) as app:
        clinic_metrics.run_all(report, app, ctx.queries, ctx.seed, suffix="_pg")
