"""The issue 4 metrics (and the lookups) again on PostgreSQL, suffix _pg."""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import cache, clinic, clinic_metrics, pg
from bench.app import opened
from bench.context import BenchContext
from bench.pg import BenchPostgres
from bench.report import Report
from novamind_desktop.infrastructure import migrations


def build_server(ctx: BenchContext, folder: Path, today: date) -> None:
    """A new data folder at `folder`, migrated and filled (the server stopped afterwards)."""
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


def server_copy(ctx: BenchContext, target: Path, rebuild: bool) -> tuple[BenchPostgres, date]:
    """A copy of the cached, loaded server folder at `target` (built first if needed)."""
    stem = f"pg-{ctx.patients}-{ctx.appointments}"
    folder = ctx.cache_dir / f"{stem}-{cache.shape_key(ctx, Path(pg.__file__))}"
    meta = folder.with_suffix(".json")
    with cache.locked(ctx):
        day = cache.built_on(meta)
        if day and folder.exists() and not rebuild:
            print(f"    cached PostgreSQL clinic: {folder.name} (built {day})", flush=True)
        else:
            cache.make_room(ctx, stem, folder)
            day = date.today()
            build_server(ctx, folder, day)
            cache.remember(meta, day)
        return BenchPostgres(folder).copy_to(target), day


def started_server(ctx: BenchContext) -> tuple[BenchPostgres, date]:
    # The server's user must reach its folder: a scratch folder of its own, open to it.
    scratch = Path(tempfile.mkdtemp(prefix="novamind-bench-pg-"))
    scratch.chmod(0o755)
    ctx.cleanup.callback(shutil.rmtree, scratch, True)
    rebuild = ctx.rebuild_cache
    for _attempt in range(2):
        server, day = server_copy(ctx, scratch / "server", rebuild)
        server.start()
        if cache.readable(server.url(), ctx):
            ctx.cleanup.callback(server.stop)
            return server, day
        server.stop()
        rebuild = True
    raise RuntimeError("the freshly built PostgreSQL clinic cannot be read back")


def run(report: Report, ctx: BenchContext) -> None:
    server, day = started_server(ctx)
    built = clinic.Clinic(
        server.url(), ctx.patients, ctx.appointments, ctx.clinicians, ctx.seed, day
    )
    with opened(ctx, built) as app:
        clinic_metrics.run_all(report, app, ctx.queries, ctx.seed, suffix="_pg")
