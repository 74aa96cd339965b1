"""Store a deterministic synthetic clinic (demo_clinic.py) through the repositories.

Written in batches, one transaction each, exactly as the app stores data: encrypted, with
blind indexes and buckets, stamped with the acting user, and audited once for the whole run.
Used by `novamind-desktop demo-data`, by `--demo` (a throwaway database) and by benchmarks.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from novamind_desktop.domain.appointments import Appointment
from novamind_desktop.domain.errors import DomainError, SlotTaken
from novamind_desktop.domain.users import Actor, Role, User
from novamind_desktop.infrastructure import demo_clinic as clinic
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.demo_clinic import DemoAccount, DemoSummary
from novamind_desktop.infrastructure.records import (
    AppointmentRecord,
    DigitalTwinRecord,
    PatientRecord,
)
from novamind_desktop.infrastructure.repositories.appointments import seal_appointment
from novamind_desktop.infrastructure.repositories.patients import seal_patient
from novamind_desktop.infrastructure.repositories.twins import seal_twin
from novamind_desktop.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from novamind_desktop.services.ports import Clock, PasswordHasher, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

BATCH = 1000
DEFAULT_PATIENTS = 200
MAX_TWINS_BY_DEFAULT = 1000
Progress = Callable[[int, int, str], None]

__all__ = ["DemoAccount", "DemoDataExists", "DemoRequest", "DemoSummary", "build_demo_clinic"]


class DemoDataExists(DomainError):
    """This seed's demo patients are already in the database."""


@dataclass(frozen=True)
class DemoRequest:
    patients: int = DEFAULT_PATIENTS
    appointments: int | None = None  # None: about 1.5 per patient, as two weeks allow
    seed: int = 1
    twins: int | None = None  # None: every patient, up to MAX_TWINS_BY_DEFAULT
    demo_passwords: bool = False  # True only for the throwaway --demo database


@dataclass
class _Run:
    uow_factory: UnitOfWorkFactory
    cipher: FieldCipher
    actor: Actor
    rng: random.Random
    now: datetime
    zone: ZoneInfo
    total: int
    progress: Progress | None
    done: int = 0

    def step(self, count: int, label: str) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total, label)


def build_demo_clinic(
    uow_factory: UnitOfWorkFactory,
    cipher: FieldCipher,
    hasher: PasswordHasher,
    clock: Clock,
    zone: ZoneInfo,
    request: DemoRequest,
    *,
    actor: Actor,
    progress: Progress | None = None,
) -> DemoSummary:
    """Add staff, patients, appointments and twins; returns the accounts (with passwords
    for the accounts created now) and how many of each were stored."""
    twins = min(request.patients, MAX_TWINS_BY_DEFAULT) if request.twins is None else request.twins
    twins = min(twins, request.patients)
    run = _Run(
        uow_factory, cipher, actor, random.Random(request.seed), clock.now(), zone, 0, progress
    )
    accounts, clinicians = _add_staff(run, hasher, request)
    slots = _chosen_slots(run, len(clinicians), request)
    run.total = request.patients + len(slots) + twins
    patient_ids = _add_patients(run, request)
    fresh = all(a.password is not None for a in accounts if a.role is Role.CLINICIAN)
    booked = _add_appointments(run, clinicians, patient_ids, slots, bulk=fresh)
    stored_twins = _add_twins(run, patient_ids[:twins])
    detail = (
        f"demo data (seed {request.seed}): {len(patient_ids)} patients, "
        f"{booked} appointments, {stored_twins} digital twins"
    )
    with uow_factory(actor) as uow:
        uow.audit.record(clinic.audit_event(actor, clock.now(), detail))
        uow.commit()
    log.info("demo clinic stored: %s", detail)
    return DemoSummary(tuple(accounts), len(patient_ids), booked, stored_twins)


def _add_staff(
    run: _Run, hasher: PasswordHasher, request: DemoRequest
) -> tuple[list[DemoAccount], list[User]]:
    accounts: list[DemoAccount] = []
    clinicians: list[User] = []
    with run.uow_factory(run.actor) as uow:
        for display_name, username, role in clinic.staff(
            clinic.clinician_count_for(request.patients)
        ):
            user = uow.users.by_username(username)
            password = None
            if user is None:
                password = clinic.new_password(request.demo_passwords)
                user = uow.users.add(
                    User(
                        id=uuid.UUID(int=run.rng.getrandbits(128), version=4),
                        username=username,
                        display_name=display_name,
                        role=role,
                    ),
                    hasher.hash(password),
                )
            accounts.append(DemoAccount(username, user.display_name, user.role, password))
            if user.role is Role.CLINICIAN and user.active:
                clinicians.append(user)
        uow.commit()
    return accounts, clinicians


def _session(uow: UnitOfWork) -> Session:
    # Bulk writes use the repositories' own sealing functions on the unit of work's session:
    # one flush per batch instead of one savepoint and email check per patient (~10x).
    assert isinstance(uow, SqlAlchemyUnitOfWork)
    return uow.session


def _add_patients(run: _Run, request: DemoRequest) -> list[uuid.UUID]:
    today = run.now.astimezone(run.zone).date()
    table = cast(Table, PatientRecord.__table__)
    stamps = {
        "created_at": run.now,
        "updated_at": run.now,
        "created_by": run.actor.username,
        "updated_by": run.actor.username,
        "version": 1,
    }
    ids: list[uuid.UUID] = []
    for start in range(0, request.patients, BATCH):
        rows = []
        for number in range(start, min(start + BATCH, request.patients)):
            patient = clinic.make_patient(run.rng, request.seed, number, today)
            # seal_patient only sets attributes; a plain namespace spares the ORM's
            # bookkeeping, and one executemany per batch inserts the rows.
            record = SimpleNamespace(id=patient.id, active=patient.active)
            seal_patient(cast(PatientRecord, record), patient.details, run.cipher)
            rows.append({**vars(record), **stamps})
            ids.append(patient.id)
        with run.uow_factory(run.actor) as uow:
            try:
                _session(uow).execute(table.insert(), rows)
            except IntegrityError:
                raise DemoDataExists(
                    f"Demo data with seed {request.seed} is already in this database; "
                    "use another --seed."
                ) from None
            uow.commit()
        run.step(len(rows), "patients")
    return ids


def _chosen_slots(run: _Run, clinicians: int, request: DemoRequest) -> list[clinic.Slot]:
    """The slots to book: from two weeks of them, or more weeks (going back in time) if more
    appointments were asked for than two weeks hold."""
    wanted = request.appointments
    if wanted is None:
        wanted = round(request.patients * 1.5)
    if clinicians == 0 or request.patients == 0 or wanted == 0:
        return []
    with run.uow_factory(run.actor) as uow:
        hours = uow.opening_hours.week() or clinic.default_hours()
    weeks = 2
    while True:
        first_day, days = clinic.schedule_window(run.now, run.zone, weeks)
        found = list(clinic.slots(run.rng, clinicians, first_day, days, hours, run.zone))
        if len(found) >= wanted or request.appointments is None or weeks >= 520:
            break
        weeks = min(520, max(weeks + 1, weeks * wanted // max(1, len(found)) + 1))
    chosen = sorted(run.rng.sample(range(len(found)), k=min(wanted, len(found))))
    return [found[i] for i in chosen]


def _add_appointments(
    run: _Run,
    clinicians: Sequence[User],
    patient_ids: Sequence[uuid.UUID],
    slots: Sequence[clinic.Slot],
    *,
    bulk: bool,
) -> int:
    """Book `slots`. New clinicians' slots cannot clash, so they go in one flush per batch;
    clinicians from an earlier run go through the repository's overlap check one by one."""
    booked = 0
    for start in range(0, len(slots), BATCH):
        with run.uow_factory(run.actor) as uow:
            for slot in slots[start : start + BATCH]:
                clinician = clinicians[slot.clinician_index]
                patient_id = run.rng.choice(patient_ids)
                appointment = clinic.make_appointment(run.rng, slot, patient_id, clinician, run.now)
                if bulk:
                    record = AppointmentRecord(id=appointment.id)
                    _session(uow).add(seal_appointment(record, appointment, run.cipher))
                    booked += 1
                else:
                    booked += _book(uow, appointment)
            uow.commit()
        run.step(len(slots[start : start + BATCH]), "appointments")
    return booked


def _book(uow: UnitOfWork, appointment: Appointment) -> int:
    try:
        uow.appointments.add(appointment)
    except SlotTaken:  # the clinician already has a booking there (an earlier demo run)
        return 0
    return 1


def _add_twins(run: _Run, patient_ids: Sequence[uuid.UUID]) -> int:
    for start in range(0, len(patient_ids), BATCH):
        with run.uow_factory(run.actor) as uow:
            session = _session(uow)
            for patient_id in patient_ids[start : start + BATCH]:
                twin = clinic.make_twin(run.rng, patient_id, run.now)
                session.add(seal_twin(DigitalTwinRecord(id=twin.id), twin, run.cipher))
            uow.commit()
        run.step(len(patient_ids[start : start + BATCH]), "digital twins")
    return len(patient_ids)
