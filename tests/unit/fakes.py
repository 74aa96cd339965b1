"""Hand-written fakes of the service ports that behave like the real adapters.

FakeDatabase is the committed state. Each FakeUnitOfWork works on a copy and publishes it only
on commit(), so a use case that fails half-way leaves the database exactly as it was, just
as a rolled-back transaction does. The repositories raise the same domain errors as the
SQLAlchemy ones: StaleRecord on a version mismatch, DuplicateEmail, SlotTaken.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from novamind_desktop.domain.appointments import (
    DEFAULT_APPOINTMENT_TYPES,
    Appointment,
    AppointmentType,
)
from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.clinic import DEFAULT_OPENING_HOURS, OpeningHours
from novamind_desktop.domain.errors import DuplicateEmail, SlotTaken, StaleRecord
from novamind_desktop.domain.maintenance import (
    BackupReport,
    MigrationLocked,
    MigrationStatus,
    PendingRevision,
    RotationReport,
    UpgradeFailed,
)
from novamind_desktop.domain.patients import Patient, normalise_email
from novamind_desktop.domain.twins import DigitalTwin
from novamind_desktop.domain.users import Actor, User


class FixedClock:
    def __init__(self, now: datetime):
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


class FakeHasher:
    """Reversible on purpose (tests only): the real scrypt hasher has its own tests."""

    def hash(self, password: str) -> str:
        return "fake$" + password

    def verify(self, password: str, encoded: str) -> bool:
        return encoded == "fake$" + password


@dataclass
class FakeDatabase:
    clock: FixedClock
    patients: dict[UUID, Patient] = field(default_factory=dict)
    appointments: dict[UUID, Appointment] = field(default_factory=dict)
    appointment_types: list[AppointmentType] = field(
        default_factory=lambda: [
            AppointmentType(uuid4(), name, minutes, colour)
            for name, minutes, colour in DEFAULT_APPOINTMENT_TYPES
        ]
    )
    users: dict[UUID, User] = field(default_factory=dict)
    password_hashes: dict[UUID, str] = field(default_factory=dict)
    twins: dict[UUID, DigitalTwin] = field(default_factory=dict)
    opening_hours: list[OpeningHours] = field(default_factory=lambda: list(DEFAULT_OPENING_HOURS))
    audit: list[AuditEvent] = field(default_factory=list)
    commit_error: Exception | None = None  # raised by the next commit(), then cleared

    def copy(self) -> FakeDatabase:
        return copy.copy(self)._detach()

    def _detach(self) -> FakeDatabase:
        for name in ("patients", "appointments", "users", "password_hashes", "twins"):
            setattr(self, name, dict(getattr(self, name)))
        self.opening_hours = list(self.opening_hours)
        self.audit = list(self.audit)
        return self

    def publish(self, work: FakeDatabase) -> None:
        for name in (
            "patients",
            "appointments",
            "users",
            "password_hashes",
            "twins",
            "opening_hours",
            "audit",
        ):
            setattr(self, name, copy.copy(getattr(work, name)))

    def actions(self, action: AuditAction | None = None) -> list[AuditEvent]:
        return [e for e in self.audit if action is None or e.action == action]


class FakePatientRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def _email_taken(self, patient: Patient) -> bool:
        email = patient.details.email
        return email is not None and any(
            p.id != patient.id and p.details.email == normalise_email(email)
            for p in self.db.patients.values()
        )

    def add(self, patient: Patient) -> Patient:
        if self._email_taken(patient):
            raise DuplicateEmail()
        now = self.db.clock.now()
        stored = replace(patient, version=1, created_at=now, updated_at=now)
        self.db.patients[patient.id] = stored
        return stored

    def get(self, patient_id: UUID) -> Patient | None:
        return self.db.patients.get(patient_id)

    def save(self, patient: Patient) -> Patient:
        current = self.db.patients.get(patient.id)
        if current is None or current.version != patient.version:
            raise StaleRecord("patient", patient.id)
        if self._email_taken(patient):
            raise DuplicateEmail()
        stored = replace(patient, version=patient.version + 1, updated_at=self.db.clock.now())
        self.db.patients[patient.id] = stored
        return stored

    def find_by_email(self, email: str) -> Patient | None:
        wanted = normalise_email(email)
        return next((p for p in self.db.patients.values() if p.details.email == wanted), None)

    def find_by_date_of_birth(self, dob: date) -> list[Patient]:
        return [p for p in self.db.patients.values() if p.details.date_of_birth == dob]

    def list_all(self) -> list[Patient]:
        return list(self.db.patients.values())

    def list_for_index(self) -> list[Patient]:
        return self.list_all()

    def full_names(self, patient_ids) -> dict[UUID, str]:
        found = (self.db.patients.get(i) for i in set(patient_ids))
        return {p.id: p.full_name for p in found if p is not None}

    def changed_since(self, since: datetime) -> list[Patient]:
        return [p for p in self.db.patients.values() if p.updated_at and p.updated_at >= since]

    def count(self) -> int:
        return len(self.db.patients)


class FakeAppointmentRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def _refuse_overlap(self, appointment: Appointment) -> None:
        if not appointment.blocks_time:
            return
        clash = self.overlapping(
            appointment.clinician_id, appointment.start, appointment.end, appointment.id
        )
        if clash:
            raise SlotTaken(
                appointment.clinician_id, clash[0].start, clash[0].end, [a.id for a in clash]
            )

    def add(self, appointment: Appointment) -> Appointment:
        self._refuse_overlap(appointment)
        now = self.db.clock.now()
        stored = replace(appointment, version=1, created_at=now, updated_at=now)
        self.db.appointments[appointment.id] = stored
        return stored

    def get(self, appointment_id: UUID) -> Appointment | None:
        return self.db.appointments.get(appointment_id)

    def save(self, appointment: Appointment) -> Appointment:
        current = self.db.appointments.get(appointment.id)
        if current is None or current.version != appointment.version:
            raise StaleRecord("appointment", appointment.id)
        self._refuse_overlap(appointment)
        stored = replace(
            appointment, version=appointment.version + 1, updated_at=self.db.clock.now()
        )
        self.db.appointments[appointment.id] = stored
        return stored

    def overlapping(
        self,
        clinician_id: UUID,
        start: datetime,
        end: datetime,
        exclude_id: UUID | None = None,
    ) -> list[Appointment]:
        return sorted(
            (
                a
                for a in self.db.appointments.values()
                if a.clinician_id == clinician_id
                and a.blocks_time
                and a.id != exclude_id
                and a.overlaps(start, end)
            ),
            key=lambda a: a.start,
        )

    def in_range(
        self, start: datetime, end: datetime, clinician_ids: Iterable[UUID] | None = None
    ) -> list[Appointment]:
        wanted = None if clinician_ids is None else set(clinician_ids)
        return sorted(
            (
                a
                for a in self.db.appointments.values()
                if a.overlaps(start, end) and (wanted is None or a.clinician_id in wanted)
            ),
            key=lambda a: a.start,
        )

    def for_patient(self, patient_id: UUID) -> list[Appointment]:
        mine = (a for a in self.db.appointments.values() if a.patient_id == patient_id)
        return sorted(mine, key=lambda a: a.start)

    def in_series(self, series_id: UUID) -> list[Appointment]:
        members = (a for a in self.db.appointments.values() if a.series_id == series_id)
        return sorted(members, key=lambda a: a.start)

    def next_for_patients(self, after: datetime) -> dict[UUID, Appointment]:
        result: dict[UUID, Appointment] = {}
        for a in sorted(self.db.appointments.values(), key=lambda a: a.start):
            if a.blocks_time and a.start >= after:
                result.setdefault(a.patient_id, a)
        return result

    def next_starts(self, after: datetime) -> dict[UUID, datetime]:
        return {pid: a.start for pid, a in self.next_for_patients(after).items()}

    def list_all(self) -> list[Appointment]:
        return list(self.db.appointments.values())

    def count(self) -> int:
        return len(self.db.appointments)


class FakeAppointmentTypeRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def list_all(self) -> list[AppointmentType]:
        return list(self.db.appointment_types)

    def by_name(self, name: str) -> AppointmentType | None:
        return next((t for t in self.db.appointment_types if t.name == name), None)


class FakeUserRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def add(self, user: User, password_hash: str) -> User:
        if self.by_username(user.username) is not None:
            raise ValueError("username taken (the UNIQUE constraint)")
        stored = replace(user, version=1)
        self.db.users[user.id] = stored
        self.db.password_hashes[user.id] = password_hash
        return stored

    def get(self, user_id: UUID) -> User | None:
        return self.db.users.get(user_id)

    def by_username(self, username: str) -> User | None:
        return next((u for u in self.db.users.values() if u.username == username), None)

    def password_hash(self, user_id: UUID) -> str:
        return self.db.password_hashes[user_id]

    def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        self.db.password_hashes[user_id] = password_hash

    def save(self, user: User) -> User:
        current = self.db.users.get(user.id)
        if current is None or current.version != user.version:
            raise StaleRecord("user", user.id)
        stored = replace(user, version=user.version + 1)
        self.db.users[user.id] = stored
        return stored

    def list_all(self) -> list[User]:
        return sorted(self.db.users.values(), key=lambda u: u.username)

    def count(self) -> int:
        return len(self.db.users)


class FakeTwinRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def for_patient(self, patient_id: UUID) -> DigitalTwin | None:
        return self.db.twins.get(patient_id)

    def add(self, twin: DigitalTwin) -> DigitalTwin:
        stored = replace(twin, version=1)
        self.db.twins[twin.patient_id] = stored
        return stored

    def save(self, twin: DigitalTwin) -> DigitalTwin:
        current = self.db.twins.get(twin.patient_id)
        if current is None or current.version != twin.version:
            raise StaleRecord("digital twin", twin.id)
        stored = replace(twin, version=twin.version + 1)
        self.db.twins[twin.patient_id] = stored
        return stored


class FakeOpeningHoursRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def week(self) -> list[OpeningHours]:
        return list(self.db.opening_hours)

    def replace_week(self, hours: list[OpeningHours]) -> None:
        self.db.opening_hours = list(hours)


class FakeAuditLog:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def record(self, event: AuditEvent) -> None:
        self.db.audit.append(event)

    def query(
        self,
        *,
        user_id: UUID | None = None,
        entity_id: str | None = None,
        action: AuditAction | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[AuditEvent]:
        found = [
            e
            for e in reversed(self.db.audit)
            if (user_id is None or e.user_id == user_id)
            and (entity_id is None or e.entity_id == entity_id)
            and (action is None or e.action == action)
            and (since is None or e.at >= since)
            and (until is None or e.at < until)
        ]
        return found[:limit]


class FakeUnitOfWork:
    def __init__(self, db: FakeDatabase, actor: Actor):
        self.db = db
        self.actor = actor
        self.committed = False
        self.rolled_back = False
        self._work: FakeDatabase | None = None

    def __enter__(self) -> FakeUnitOfWork:
        self._work = self.db.copy()
        self.patients = FakePatientRepository(self._work)
        self.appointments = FakeAppointmentRepository(self._work)
        self.appointment_types = FakeAppointmentTypeRepository(self._work)
        self.users = FakeUserRepository(self._work)
        self.twins = FakeTwinRepository(self._work)
        self.opening_hours = FakeOpeningHoursRepository(self._work)
        self.audit = FakeAuditLog(self._work)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.rollback()

    def commit(self) -> None:
        assert self._work is not None, "commit() outside the with block"
        if self.db.commit_error is not None:
            error, self.db.commit_error = self.db.commit_error, None
            raise error
        self.db.publish(self._work)
        self.committed = True

    def rollback(self) -> None:
        # Anything not yet committed is forgotten: start again from the committed state.
        if self._work is not None:
            self.rolled_back = not self.committed
            self._work = None


class FakeUnitOfWorkFactory:
    """Callable[[Actor], UnitOfWork] that remembers every unit of work it opened."""

    def __init__(self, db: FakeDatabase):
        self.db = db
        self.opened: list[FakeUnitOfWork] = []

    def __call__(self, actor: Actor) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.db, actor)
        self.opened.append(uow)
        return uow

    @property
    def last(self) -> FakeUnitOfWork:
        return self.opened[-1]


class FakeDatabaseAdmin:
    """In-memory stand-in for the migration runner. Workstations sharing one `lock` dict see
    each other's maintenance lock, like two processes on one database."""

    def __init__(self, current: str | None = "0001", lock: dict[str, str] | None = None):
        self.current = current
        self.revisions = [("0001", "initial schema"), ("0002", "clinic working hours")]
        self.calls: list[str] = []
        self.fail_upgrade = False
        self.restores_automatically = True
        self.rows = 0
        self.rotated = 0
        self.lock = {} if lock is None else lock
        self.during: Callable[[], None] = lambda: None  # runs while the lock is held

    @property
    def head(self) -> str:
        return self.revisions[-1][0]

    @contextmanager
    def _maintenance(self, what: str) -> Iterator[None]:
        if "holder" in self.lock:
            raise MigrationLocked()
        self.lock["holder"] = what
        try:
            self.during()
            yield
        finally:
            del self.lock["holder"]

    def status(self) -> MigrationStatus:
        known = [rev for rev, _ in self.revisions]
        position = known.index(self.current) + 1 if self.current in known else 0
        ahead = self.current is not None and self.current not in known
        pending = [] if ahead else [PendingRevision(r, m) for r, m in self.revisions[position:]]
        return MigrationStatus(
            "sqlite:///clinic.db", self.current, self.head, pending, bool(pending), ahead
        )

    def backup(self, path: Path | None = None) -> BackupReport:
        path = path or Path(f"backup-{len(self.calls)}.sqlite3")
        self.calls.append(f"backup {path.name}")
        return BackupReport(path, {"patients": self.rows, "users": 1})

    def restore(self, path: Path) -> BackupReport:
        with self._maintenance("restore"):
            self.calls.append(f"restore {path.name}")
            return BackupReport(path, {"patients": self.rows})

    def upgrade(
        self,
        target: str = "head",
        progress: Callable[[int, int, str], None] | None = None,
        *,
        take_backup: bool = True,
    ) -> BackupReport | None:
        with self._maintenance("upgrade"):
            report = self.backup(Path("before-upgrade.sqlite3")) if take_backup else None
            self.calls.append(f"upgrade {target}")
            if progress:
                progress(1, 1, f"running {target}")
            if self.fail_upgrade:
                path = report.path if report else None
                raise UpgradeFailed(path, restored=bool(report) and self.restores_automatically)
            self.current = self.head if target == "head" else target
            return report

    def downgrade_steps(self, target: str) -> list[PendingRevision]:
        known = [rev for rev, _ in self.revisions]
        if self.current not in known:
            return []
        newer = self.revisions[known.index(target) + 1 : known.index(self.current) + 1]
        return [PendingRevision(r, m) for r, m in reversed(newer)]

    def downgrade(
        self, target: str, progress: Callable[[int, int, str], None] | None = None
    ) -> None:
        with self._maintenance("downgrade"):
            self.calls.append(f"downgrade {target}")
            self.current = target

    def rotate_key(
        self,
        progress: Callable[[int, int, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> RotationReport:
        with self._maintenance("rotate"):
            self.calls.append("rotate_key")
            while self.rotated < self.rows:
                if cancelled is not None and cancelled():
                    return RotationReport(self.rows, self.rotated, cancelled=True)
                self.rotated += 1
                if progress:
                    progress(self.rotated, self.rows, "patients")
            return RotationReport(self.rows, self.rotated)
