"""The synthetic clinic in a real database, built by bulk inserts (bench/cache.py caches it).

Rows are sealed exactly as the repositories seal them (seal_patient for patients, the same
table/column/row binding for appointment notes), encrypted in two worker processes and
written with SQLAlchemy Core executemany, a chunk at a time. A plaintext copy of every
patient (table bench_plain_patients, same database) is the baseline for the lookups and the
LIKE search.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Engine,
    MetaData,
    String,
    Table,
    Uuid,
    create_engine,
    event,
    text,
)

from bench import bulk, synthetic
from bench.context import BenchContext
from novamind_desktop.domain.patients import validate_patient
from novamind_desktop.domain.users import Actor, Role, User
from novamind_desktop.infrastructure import migrations
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.key_check import verify_key
from novamind_desktop.infrastructure.keys import KeyRing, MasterKey
from novamind_desktop.infrastructure.passwords import ScryptPasswordHasher
from novamind_desktop.infrastructure.records import AppointmentRecord, PatientRecord
from novamind_desktop.infrastructure.repositories.patients import seal_patient
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory
from novamind_desktop.services.audit_trail import SystemClock

REPO = Path(__file__).resolve().parent.parent
PATIENTS = PatientRecord.__table__
APPOINTMENTS = AppointmentRecord.__table__
CHUNK = 10_000
BENCH_PASSWORD = "bench-password-123"  # synthetic staff only
TYPE_NAMES = ("medication_review", "follow_up", "therapy", "intake")  # 20, 30, 50, 60 min
BUILT_BY = "bench"

PLAIN_METADATA = MetaData()
PLAIN_PATIENTS = Table(
    "bench_plain_patients",
    PLAIN_METADATA,
    Column("id", Uuid, primary_key=True),  # stored like appointments.patient_id: joinable
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("date_of_birth", Date, index=True),
    Column("phone", String(20)),
    Column("email", String(254), index=True),
    Column("city", String(100)),
)


@dataclass(frozen=True)
class Clinic:
    """A built clinic: where it is and how to name its rows."""

    url: str
    patients: int
    appointments: int
    clinicians: int
    seed: int
    today: date

    def clinician_ids(self) -> list[uuid.UUID]:
        return [row_id(self.seed, "clinician", i) for i in range(self.clinicians)]

    def days(self) -> list[date]:
        return synthetic.appointment_days(self.appointments, self.clinicians, self.today)


@cache
def row_id(seed: int, kind: str, n: int) -> uuid.UUID:
    digest = hashlib.blake2b(f"{seed}/{kind}/{n}".encode(), digest_size=16).digest()
    return uuid.UUID(bytes=digest, version=4)


# --- sealing, in worker processes --------------------------------------------------------


class _BuildCipher(FieldCipher):
    """The real cipher, with the current key id looked up once instead of per value (the
    stored bytes are identical; MasterKey.key_id recomputes an HMAC each time)."""

    def __init__(self, keyring: KeyRing):
        super().__init__(keyring)
        self._current_id = keyring.current.key_id

    @property
    def current_key_id(self) -> bytes:
        return self._current_id


def _cipher(key: bytes) -> FieldCipher:
    return _BuildCipher(KeyRing(MasterKey(key)))


@dataclass(frozen=True)
class SealJob:
    key: bytes
    seed: int
    backend: str  # "sqlite" or "postgresql": the form the rows are prepared in
    today: date
    first: int
    count: int
    total: int = 0  # appointments: the size of the whole table (fixes the calendar)
    clinicians: int = 0
    patients: int = 0


def seal_patients(job: SealJob) -> tuple[bulk.Prepared, bulk.Prepared]:
    """Patients first..first+count-1, sealed by the repository's own seal_patient, and
    their plaintext copy rows."""
    cipher, now = _cipher(job.key), _stamp_time(job.today)
    sealed_rows, plain_rows = [], []
    for n, raw in enumerate(synthetic.patient_rows(job.count, job.seed, job.first), job.first):
        details = validate_patient(raw, job.today)
        # seal_patient only sets attributes: a plain namespace stands in for the ORM record.
        record: Any = SimpleNamespace(id=row_id(job.seed, "patient", n), active=True)
        seal_patient(record, details, cipher)
        record.created_at = record.updated_at = now
        record.created_by = record.updated_by = BUILT_BY
        record.version = 1
        sealed_rows.append(vars(record))
        plain_rows.append(
            {
                "id": record.id,
                "first_name": details.first_name,
                "last_name": details.last_name,
                "date_of_birth": details.date_of_birth,
                "phone": details.phone,
                "email": details.email,
                "city": details.city,
            }
        )
    return (
        bulk.prepare(PATIENTS, job.backend, sealed_rows),
        bulk.prepare(PLAIN_PATIENTS, job.backend, plain_rows),
    )


def seal_appointments(job: SealJob) -> bulk.Prepared:
    """Appointments first..first+count-1; notes and cancellation reason sealed to the row
    exactly as repositories/appointments.seal_appointment does."""
    cipher = _cipher(job.key)
    slots = synthetic.appointment_slots(
        job.total, job.first, job.count, job.clinicians, job.patients, job.today, job.seed
    )
    rows = [_appointment_row(cipher, job.seed, n, slot) for n, slot in slots]
    return bulk.prepare(APPOINTMENTS, job.backend, rows)


def _appointment_row(cipher: FieldCipher, seed: int, n: int, slot: synthetic.Slot) -> dict:
    ident = row_id(seed, "appointment", n)
    cancelled = slot.status in ("cancelled", "no_show")
    changed = slot.status != "scheduled"
    return {
        "id": ident,
        "created_at": slot.start,
        "updated_at": slot.start,
        "created_by": BUILT_BY,
        "updated_by": BUILT_BY,
        "version": 1,
        "patient_id": row_id(seed, "patient", slot.patient),
        "clinician_id": row_id(seed, "clinician", slot.clinician),
        "start_at": slot.start,
        "end_at": slot.end,
        "appointment_type": TYPE_NAMES[slot.type_index],
        "status": slot.status,
        "notes": cipher.encrypt("appointments", "notes", ident, slot.notes),
        "virtual": slot.clinician % 4 == 0,
        "location": f"Room {slot.clinician % 6 + 1}",
        "series_id": None,
        "status_changed_at": slot.start if changed else None,
        "status_changed_by": BUILT_BY if changed else None,
        "cancellation_reason": cipher.encrypt(
            "appointments", "cancellation_reason", ident, "Unwell" if cancelled else ""
        ),
    }


def _stamp_time(today: date) -> datetime:
    return datetime(today.year, today.month, today.day, 6, 0, tzinfo=UTC)


# --- filling a migrated database ----------------------------------------------------------


def _chunks(total: int) -> Iterator[tuple[int, int]]:
    for first in range(0, total, CHUNK):
        yield first, min(CHUNK, total - first)


def _pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork"))


def add_staff(engine: Engine, ctx: BenchContext, cipher: FieldCipher) -> None:
    """An admin, a receptionist and the clinicians, through the real unit of work."""
    password_hash = ScryptPasswordHasher().hash(BENCH_PASSWORD)
    people = [(row_id(ctx.seed, "admin", 0), "bench.admin", Role.ADMIN)]
    people.append((row_id(ctx.seed, "frontdesk", 0), "bench.frontdesk", Role.FRONTDESK))
    people += [
        (row_id(ctx.seed, "clinician", i), f"bench.clinician{i:02d}", Role.CLINICIAN)
        for i in range(ctx.clinicians)
    ]
    uow_factory = make_uow_factory(engine, cipher, SystemClock())
    with uow_factory(Actor.command_line(BUILT_BY)) as uow:
        for ident, username, role in people:
            display = username.replace("bench.", "").replace(".", " ").title()
            uow.users.add(User(ident, username, display, role), password_hash)
        uow.commit()


def _jobs(ctx: BenchContext, backend: str, today: date, total: int) -> list[SealJob]:
    return [
        SealJob(
            ctx.master_key,
            ctx.seed,
            backend,
            today,
            first,
            count,
            total=ctx.appointments,
            clinicians=ctx.clinicians,
            patients=ctx.patients,
        )
        for first, count in _chunks(total)
    ]


def add_patients(engine: Engine, ctx: BenchContext, today: date) -> None:
    backend = engine.dialect.name
    with _pool() as pool:
        for sealed, plain in pool.map(seal_patients, _jobs(ctx, backend, today, ctx.patients)):
            with engine.begin() as connection:
                bulk.write(connection, PATIENTS, sealed)
                bulk.write(connection, PLAIN_PATIENTS, plain)


def add_appointments(engine: Engine, ctx: BenchContext, today: date) -> None:
    backend = engine.dialect.name
    jobs = _jobs(ctx, backend, today, ctx.appointments)
    with _pool() as pool:
        for done, prepared in enumerate(pool.map(seal_appointments, jobs), start=1):
            with engine.begin() as connection:
                bulk.write(connection, APPOINTMENTS, prepared)
            if done % 25 == 0:
                print(f"    {done * CHUNK:,} appointments", flush=True)


def fill(engine: Engine, ctx: BenchContext, today: date) -> None:
    """Everything after the migrations: key check row, staff, patients, appointments."""
    cipher = ctx.cipher()
    verify_key(engine, cipher, SystemClock())  # first run: records the bench key's check
    PLAIN_METADATA.create_all(engine)
    add_staff(engine, ctx, cipher)
    t0 = time.perf_counter()
    add_patients(engine, ctx, today)
    print(f"    patients in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    add_appointments(engine, ctx, today)
    print(f"    appointments in {time.perf_counter() - t0:.1f} s", flush=True)


# --- building the SQLite file ------------------------------------------------------------


def _fast_sqlite_engine(path: Path) -> Engine:
    """For loading only: no fsync, a large page cache. The app's own engine opens it later."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in ("synchronous = OFF", "cache_size = -400000", "foreign_keys = OFF"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return engine


def build_sqlite(ctx: BenchContext, path: Path, today: date) -> None:
    """Migrate a new file at `path` to head and fill it."""
    path.unlink(missing_ok=True)
    migrations.upgrade(f"sqlite:///{path}")
    engine = _fast_sqlite_engine(path)
    try:
        fill(engine, ctx, today)
        with engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    finally:
        engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
