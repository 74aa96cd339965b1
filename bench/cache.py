"""The built clinics, cached under bench/cache/ so that a second `make bench` only copies them.

A cache entry is named by a hash of what decides its shape (the migrations, records.py, the
bench builder, the sizes and seed) and remembers the day it was built (its "today": the
appointment book is laid out around it). Whether the application can still read it is not
guessed from source hashes: every use opens a few patients through the real repository and
compares them with the plaintext copy; if that fails (a changed storage format), the entry is
rebuilt. Helpers may run `make bench` at the same time: a lock file serialises building and
copying.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from bench import bulk, clinic, synthetic
from bench.context import BenchContext
from novamind_desktop.domain.users import Actor
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory
from novamind_desktop.services.audit_trail import SystemClock

REPO = Path(__file__).resolve().parent.parent
MAX_AGE = timedelta(days=7)  # the appointment book is laid out around the build day


def shape_key(ctx: BenchContext, *extra_sources: Path) -> str:
    digest = hashlib.sha256()
    sources = sorted((REPO / "alembic" / "versions").glob("*.py"))
    sources.append(REPO / "novamind_desktop" / "infrastructure" / "records.py")
    sources += [Path(clinic.__file__), Path(synthetic.__file__), Path(bulk.__file__)]
    for source in [*sources, *extra_sources]:
        digest.update(source.read_bytes())
    digest.update(repr((ctx.patients, ctx.appointments, ctx.clinicians, ctx.seed)).encode())
    return digest.hexdigest()[:16]


@contextmanager
def locked(ctx: BenchContext) -> Iterator[None]:
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    with (ctx.cache_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def built_on(meta: Path) -> date | None:
    """The build day of a cache entry, or None when it is missing or too old to use."""
    try:
        day = date.fromisoformat(json.loads(meta.read_text())["today"])
    except (OSError, ValueError, KeyError):
        return None
    return day if date.today() - day <= MAX_AGE else None


def make_room(ctx: BenchContext, stem: str, entry: Path) -> None:
    """Before `entry` is built: its old files go, and of the other entries of `stem` (other
    shapes) all but the one built last. That one is kept so that a branch still on the
    previous schema (a helper's worktree sharing this cache) does not rebuild it, deleting
    this one, the next time it runs."""
    name = entry.with_suffix("").name
    others = [m for m in ctx.cache_dir.glob(f"{stem}-*.json") if m.with_suffix("").name != name]
    others.sort(key=lambda meta: meta.stat().st_mtime)
    kept = {meta.with_suffix("").name for meta in others[-1:]}
    for stale in ctx.cache_dir.glob(f"{stem}-*"):
        if stale.with_suffix("").name not in kept:
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink()


def remember(meta: Path, today: date) -> None:
    meta.write_text(json.dumps({"today": today.isoformat()}))


def readable(url: str, ctx: BenchContext, samples: int = 10) -> bool:
    """Do a few stored patients read back, through the repository, as their plaintext copy?"""
    engine = make_engine(url)
    try:
        p = clinic.PLAIN_PATIENTS.c
        with engine.connect() as connection:
            rows = connection.execute(
                select(p.id, p.first_name, p.last_name, p.date_of_birth, p.email).limit(samples)
            ).all()
        open_uow = make_uow_factory(engine, ctx.cipher(), SystemClock())
        with open_uow(Actor.command_line("bench")) as uow:
            for ident, first, last, dob, email in rows:
                patient = uow.patients.get(ident)
                d = patient.details if patient else None
                if d is None or (d.first_name, d.last_name, d.date_of_birth, d.email) != (
                    first,
                    last,
                    dob,
                    email,
                ):
                    return False
        return bool(rows)
    except Exception as error:
        print(f"    cached clinic unreadable ({type(error).__name__}); rebuilding", flush=True)
        return False
    finally:
        engine.dispose()


def sqlite_clinic(ctx: BenchContext) -> tuple[Path, date]:
    """The cached clinic file and its build day, built first if needed (under the lock)."""
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    stem = f"clinic-{ctx.patients}-{ctx.appointments}"
    path = ctx.cache_dir / f"{stem}-{shape_key(ctx)}.sqlite3"
    meta = path.with_suffix(".json")
    day = built_on(meta)
    if day and path.exists() and not ctx.rebuild_cache and readable(f"sqlite:///{path}", ctx):
        print(f"    cached clinic: {path.name} (built {day})", flush=True)
        return path, day
    make_room(ctx, stem, path)
    today, building = date.today(), path.with_suffix(".building")
    t0 = time.perf_counter()
    clinic.build_sqlite(ctx, building, today)
    building.rename(path)
    remember(meta, today)
    print(f"    built {path.name} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path, today


def working_copy(ctx: BenchContext) -> clinic.Clinic:
    """A scratch copy of the cached clinic, so audit events and imports never touch the cache."""
    target = ctx.scratch / "clinic.sqlite3"
    with locked(ctx):
        source, today = sqlite_clinic(ctx)
        shutil.copyfile(source, target)
    _written_out(target)
    return clinic.Clinic(
        f"sqlite:///{target}", ctx.patients, ctx.appointments, ctx.clinicians, ctx.seed, today
    )


def _written_out(path: Path) -> None:
    """Wait until the copy has reached the disk. Otherwise the kernel is still writing back
    hundreds of megabytes of it while the first metrics run, and throttles every small write
    the application makes (each audited read commits): a commit took 5-30 ms instead of 0.1,
    and the first WAL checkpoint 1.5 s. A clinic's own database is not a fresh copy."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
