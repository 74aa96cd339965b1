"""The metrics measured on a built clinic, on SQLite and again on PostgreSQL (suffix _pg).

Each runs through the services as the application wires them (bootstrap.build_context), and
each has its baseline on the same database: the plaintext copy of the patients
(bench_plain_patients) queried with plain SQL.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, text

from bench import queries
from bench.app import BenchApp
from bench.clinic import APPOINTMENTS, PLAIN_PATIENTS
from bench.report import Report, at_most, at_most_times_baseline
from bench.timing import p95, paired_ms, spread
from novamind_desktop.domain.appointments import MAX_DURATION
from novamind_desktop.infrastructure.records import BLOCKING_STATUS_VALUES
from novamind_desktop.presenters.patient_search import PatientDirectory
from novamind_desktop.presenters.tasks import SynchronousRunner
from novamind_desktop.services.search import PatientSearchIndex

LIMIT = 50


def run_all(report: Report, app: BenchApp, n: int, seed: int, suffix: str = "") -> None:
    rows = queries.plain_rows(app.engine, max(n, 200))
    lookups(report, app, rows, n, suffix)
    index = index_build(report, app, suffix)
    search(report, app, index, queries.search_queries(rows, n, seed), suffix)
    day_view(report, app, min(n, 30), suffix)


# --- issue 2: email and date-of-birth lookups ---------------------------------------------


def lookups(report: Report, app: BenchApp, rows: list[tuple], n: int, suffix: str) -> None:
    patients, actor, engine = app.services.patients, app.frontdesk, app.engine
    p = PLAIN_PATIENTS.c

    def plain(column: Any, value: Any) -> list[Any]:
        with engine.connect() as connection:
            return connection.execute(select(PLAIN_PATIENTS).where(column == value)).all()

    emails = queries.lookup_emails(rows, n)
    with _heap_frozen_as_in_the_app():
        samples = paired_ms(
            lambda e: patients.find_by_email(actor, e), lambda e: plain(p.email, e), emails
        )
    _pair(report, "email_lookup", samples, suffix)
    dobs = queries.lookup_dobs(rows, n)
    with _heap_frozen_as_in_the_app():
        samples = paired_ms(
            lambda d: patients.find_by_date_of_birth(actor, d),
            lambda d: plain(p.date_of_birth, d),
            dobs,
        )
    _pair(report, "dob_lookup", samples, suffix)


def _pair(report: Report, name: str, samples: tuple[list[float], list[float]], suffix: str) -> None:
    got, base = samples
    report.add(f"{name}_plaintext_p95_ms{suffix}", p95(base), "ms", **spread(base))
    report.add(
        f"{name}_p95_ms{suffix}",
        p95(got),
        "ms",
        baseline=f"{name}_plaintext_p95_ms{suffix}",
        target=at_most(2.0),
        **spread(got),
    )


# --- issue 4: the search index, search, the day view ------------------------------------


def index_build(
    report: Report, app: BenchApp, suffix: str, runs: int = 3, budget_s: float = 20.0
) -> PatientSearchIndex:
    """What the patient directory does after sign-in (presenters/patient_search._build_job):
    every patient decrypted, their next appointments, the in-memory index. Best of up to
    `runs` (fewer once `budget_s` is spent).

    Timed as the application runs the job. On its worker automatic garbage collection is off
    (ui/worker.py: a GUI-thread timer walks only small young generations and freezes larger
    ones, O(1)), so the build never pays for a walk of the heap; here, with collection on, a
    full collection walking everything the earlier sections left lands in some runs and not
    others (hundreds of milliseconds). So the runs are timed with automatic collection off,
    and a previous run's index is let go before the clock starts (the build after sign-in
    has none to free). One more run with automatic collection on is reported alongside
    (with_automatic_gc_s), for comparison."""
    timings: list[tuple[float, float, float]] = []
    plain_s: list[float] = []
    index: PatientSearchIndex | None = None
    deadline = time.perf_counter() + budget_s
    while len(timings) < runs and (not timings or time.perf_counter() < deadline):
        index = None  # the previous run's index is let go outside the timed region
        with _collection_as_on_the_worker():
            timing, index = _index_build_run(app)
        timings.append(timing)
        plain_s.append(_plain_full_read(app.engine))
    load, upcoming_s, build = min(timings, key=sum)
    index = None
    gc.collect()
    automatic_gc, index = _index_build_run(app)
    range_first_s = _next_starts_range_first(app.engine)
    report.add(f"search_index_plaintext_read_s{suffix}", min(plain_s), "s", patients=len(index))
    report.add(
        f"search_index_build_s{suffix}",
        load + upcoming_s + build,
        "s",
        baseline=f"search_index_plaintext_read_s{suffix}",
        target=at_most(2.0),
        load_and_decrypt_s=load,
        next_appointments_s=upcoming_s,
        in_memory_build_s=build,
        runs=len(timings),
        with_automatic_gc_s=sum(automatic_gc),
        next_appointments_range_first_s=range_first_s,
    )
    return index


def _index_build_run(app: BenchApp) -> tuple[tuple[float, float, float], PatientSearchIndex]:
    """One build as presenters/patient_search._build_job makes it: (load and decrypt, next
    appointments, in-memory build) in seconds, and the index. The patients list is let go
    inside the timed region, as the job lets go of it when it returns the index."""
    services, actor = app.services, app.frontdesk
    t0 = time.perf_counter()
    patients = services.patients.all_for_index(actor)
    t1 = time.perf_counter()
    upcoming = services.appointments.next_for_patients(actor, datetime.now(UTC))
    t2 = time.perf_counter()
    index = PatientSearchIndex()
    index.build(patients, upcoming)
    del patients  # the job's locals go when it returns, before the index reaches the GUI
    return (t1 - t0, t2 - t1, time.perf_counter() - t2), index


@contextmanager
def _collection_as_on_the_worker() -> Iterator[None]:
    """Automatic garbage collection off, as while the application's job runner lives
    (ui/worker.py); the heap settled first, outside the timed region."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _next_starts_range_first(engine: Engine) -> float:
    """Each patient's next start the cheap way (for comparison with next_appointments_s): the
    start_at range first, the first start per patient picked in Python, no ORM, no decryption."""
    a = APPOINTMENTS.c
    query = (
        select(a.patient_id, a.start_at)
        .where(a.start_at >= datetime.now(UTC), a.status.in_(BLOCKING_STATUS_VALUES))
        .order_by(a.start_at)
    )
    t0 = time.perf_counter()
    first: dict[Any, datetime] = {}
    with engine.connect() as connection:
        for patient_id, start in connection.execute(query):
            first.setdefault(patient_id, start)
    return time.perf_counter() - t0


def _plain_full_read(engine: Engine) -> float:
    p = PLAIN_PATIENTS.c
    t0 = time.perf_counter()
    with engine.connect() as connection:
        connection.execute(
            select(p.id, p.first_name, p.last_name, p.date_of_birth, p.phone, p.email)
        ).all()
    return time.perf_counter() - t0


def like_sql(engine: Engine) -> str:
    """LIKE '%q%' over the plaintext copy, ranked by name as a results list would be. SQLite's
    LIKE already ignores ASCII case; PostgreSQL needs ILIKE for the same."""
    like = "ILIKE" if engine.dialect.name == "postgresql" else "LIKE"
    cols = ("first_name", "last_name", "phone", "email", "CAST(date_of_birth AS TEXT)")
    where = " OR ".join(f"{c} {like} :pattern" for c in cols)
    return (
        "SELECT id, first_name, last_name, date_of_birth, phone, email "
        f"FROM {PLAIN_PATIENTS.name} WHERE {where} ORDER BY last_name, first_name LIMIT {LIMIT}"
    )


def search(
    report: Report, app: BenchApp, index: PatientSearchIndex, typed: list[str], suffix: str
) -> None:
    engine, sql = app.engine, text(like_sql(app.engine))
    # Through what the search box calls on each keystroke: the patient directory's search
    # (the index's hits made into result rows: age, next appointment in the clinic's zone).
    directory = PatientDirectory(app.services, SynchronousRunner(), app.frontdesk)
    directory.index = index  # the index timed above, as the directory's load builds it

    def like(query: str) -> list:
        with engine.connect() as connection:
            return connection.execute(sql, {"pattern": f"%{query}%"}).all()

    found, base = paired_ms(lambda q: directory.search(q, LIMIT), like, typed, budget_s=45)
    report.add(f"patient_search_plaintext_like_p95_ms{suffix}", p95(base), "ms", **spread(base))
    report.add(
        f"patient_search_p95_ms{suffix}",
        p95(found),
        "ms",
        baseline=f"patient_search_plaintext_like_p95_ms{suffix}",
        target=at_most_times_baseline(0.5, limit=5.0),
        **spread(found),
    )


def view_days(app: BenchApp, count: int) -> list[date]:
    """The working days around today that the front desk looks at most."""
    days = app.clinic.days()
    today = app.clinic.today
    days.sort(key=lambda d: abs((d - today).days))
    return sorted(days[:count])


def day_view(report: Report, app: BenchApp, count: int, suffix: str) -> None:
    services, actor, engine = app.services, app.frontdesk, app.engine
    clinicians = app.clinic.clinician_ids()
    a, p = APPOINTMENTS.c, PLAIN_PATIENTS.c

    def window(day: date) -> tuple[datetime, datetime]:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start, start + timedelta(days=1)

    def service(day: date) -> list:
        return services.appointments.schedule(actor, *window(day), clinicians)

    def plain(day: date) -> list:
        """The same window as the repository's query (bounded below by the longest possible
        appointment, so the index reads only the day), names from the plaintext copy."""
        start, end = window(day)
        query = (
            select(a.id, a.start_at, a.end_at, a.status, a.appointment_type, p.first_name)
            .join(PLAIN_PATIENTS, p.id == a.patient_id)
            .where(a.start_at < end, a.end_at > start, a.start_at > start - MAX_DURATION)
            .where(a.clinician_id.in_(clinicians))
            .order_by(a.start_at, a.id)
        )
        with engine.connect() as connection:
            return connection.execute(query).all()

    days = view_days(app, count)
    per_day = len(service(days[len(days) // 2]))
    with _heap_frozen_as_in_the_app():
        found, base = paired_ms(service, plain, days, warmup=1, budget_s=30)
    report.add(f"day_view_plaintext_p95_ms{suffix}", p95(base), "ms", **spread(base))
    report.add(
        f"day_view_p95_ms{suffix}",
        p95(found),
        "ms",
        baseline=f"day_view_plaintext_p95_ms{suffix}",
        target=at_most(20.0),
        appointments_per_day=per_day,
        **spread(found),
    )


@contextmanager
def _heap_frozen_as_in_the_app() -> Iterator[None]:
    """The application never runs a full collection during a request: ui/worker.py disables
    automatic collection, freezes the heap and walks only young objects, so a full walk of the
    heap (here the earlier sections' search index, ~100 ms at 20,000 patients) is not part of
    what opening a day or a lookup costs there. The same regime for the samples (both the
    service's and the plaintext baseline's): settle and freeze first."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
